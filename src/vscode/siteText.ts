// What a call site's CodeLens and hover say, from its rollup (GET /api/sites). Editor-free: the
// figures are formatted by src/format.ts, as the run view formats them.
import type { SiteRollup } from '../protocol';
import { creepLabel, fmtMs, fmtTokens, fmtUsd } from '../format';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
/** Text from telemetry (model names, paths) as literal Markdown: no link or markup can come from it. */
const esc = (t: string) => t.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);

const KIND_STEP: Partial<Record<string, string>> = { agent: 'agent run', tool: 'tool call', llm: 'model call', embeddings: 'embeddings call', retrieval: 'retrieval' };

/** One line above the code: what was made here, how much, how fast, how often it failed. */
export function lensTitle(s: SiteRollup): string {
  const parts: string[] = [];
  if (s.kind === 'llm') {
    parts.push(`$(sparkle) ${plural(s.calls, 'model call')}`);
    if (s.models.length) parts.push(s.models.map((m) => m.model).slice(0, 2).join(', ') + (s.models.length > 2 ? ` +${s.models.length - 2}` : ''));
    parts.push(`median ${fmtTokens(s.medianInput)} in / ${fmtTokens(s.medianOutput)} out`);
    if (s.costUsd !== null) parts.push(`${fmtUsd(s.costUsd)} (${fmtUsd(s.costUsd / Math.max(1, s.calls - s.unpricedCalls))}/call)${s.unpricedCalls ? ` + ${s.unpricedCalls} unpriced` : ''}`);
    else parts.push('price unknown');
  } else {
    const icon = s.kind === 'tool' ? '$(tools)' : s.kind === 'agent' ? '$(hubot)' : '$(pulse)';
    parts.push(`${icon} ${s.name ? `${s.name}: ` : ''}${plural(s.calls, s.kind === 'tool' ? 'tool call' : s.kind === 'agent' ? 'agent run' : 'step')}`);
  }
  parts.push(`p50 ${fmtMs(s.p50Ms)}`, `p95 ${fmtMs(s.p95Ms)}`);
  if (s.errors) parts.push(`$(error) ${plural(s.errors, 'error')}`);
  if (s.creep) parts.push(`$(warning) ${creepLabel(s.creep)}`);
  return parts.join(' · ');
}

/** The hover: per model, token classes, token creep, and the newest runs (links open them). */
export function hoverMarkdown(s: SiteRollup, openRunCommand: (traceId: string) => string): string {
  const where = s.name ? `${s.kind} ${esc(s.name)}, defined here (its runs from anywhere)` : `${esc(s.path)}:${s.line}${s.function ? ` (${esc(s.function)})` : ''}`;
  const lines = [`**Agent Lens** · ${where}`, ''];
  if (s.kind === 'llm') {
    lines.push('| model | calls | input | output | cache read | reasoning | cost |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const m of s.models) {
      lines.push(`| ${esc(m.model)} | ${m.calls} | ${m.usage.input} | ${m.usage.output} | ${m.usage.cacheRead} | ${m.usage.reasoning} | ${m.costUsd === null ? 'unknown' : fmtUsd(m.costUsd)} |`);
    }
    lines.push('');
  }
  lines.push(`${plural(s.calls, s.kind === 'llm' ? 'model call' : 'call')} · p50 ${fmtMs(s.p50Ms)} · p95 ${fmtMs(s.p95Ms)} · ${plural(s.errors, 'error')}`);
  if (s.others?.length) {
    // A framework's agent and tool spans started from the same line: apart from the model calls.
    lines.push('', `Also started here: ${s.others.map((o) => `${plural(o.calls, KIND_STEP[o.kind] ?? `${o.kind} step`)} (p50 ${fmtMs(o.p50Ms)}${o.errors ? `, ${plural(o.errors, 'error')}` : ''})`).join(' · ')}`);
  }
  if (s.creep) {
    lines.push('', `$(warning) **Token creep** in conversation ${esc(s.creep.conversationId)}: input per model call grew from ${s.creep.baseline} tokens in the first turn to ${s.creep.peak} in turn ${s.creep.peakTurn} of ${s.creep.turns} (×${s.creep.ratio.toFixed(1)}${s.creep.steady ? ', at every turn' : ''}).`);
  }
  if (s.recent.length) lines.push('', `Newest runs: ${s.recent.map((r) => `[${r.traceId.slice(0, 8)}](${openRunCommand(r.traceId)})`).join(' · ')}`);
  return lines.join('\n');
}
