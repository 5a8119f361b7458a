// Call-site rollups: the GenAI steps of recent runs grouped by the line of code that made them
// (their source location from code.* attributes), with what the editor shows above that line:
// calls, models, tokens, cost, latency percentiles, errors, the newest runs, and token creep
// within a conversation. One call of a framework (Vercel AI's generateText) starts an agent, tools
// and model calls from the same line: model calls are counted as the model received them (the
// innermost model-call spans), and the other kinds made there are reported apart, so that "per
// call" and the latency percentiles are of model calls only. Pure: the server passes the runs in.
import type { GenAiView, SiteRollup, TraceSummary } from '../protocol';
import { durationMs, cmpNanos } from '../time';
import { creepOf, DEFAULT_CREEP, type CreepRule } from './creep';
import { addUsage, zeroUsage } from '../usage';

/** What the rollup needs of a stored span. */
export interface SiteSpan {
  spanId: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status: { code: number };
  genai?: GenAiView;
}

export interface SiteRun {
  summary: TraceSummary;
  spans: Iterable<SiteSpan>;
  /** Whether a model call's usage is in the run's totals (each call counted once). */
  countsUsage(spanId: string): boolean;
  /** Whether an llm span is a model call as the model received it (no llm span below it). */
  isModelCall(spanId: string): boolean;
}


/** Nearest-rank percentile of sorted values. */
function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]! : 0;
}

interface Call { traceId: string; spanId: string; start: string; ms: number; error: boolean; g: GenAiView; counts: boolean; conversationId?: string }

/**
 * Rollups per line, for the runs given (newest first or not), optionally only for paths that end
 * with `file` (or that `file` ends with: telemetry paths may come from another machine).
 */
export function siteRollups(runs: Iterable<SiteRun>, opts: { file?: string; creep?: CreepRule } = {}): SiteRollup[] {
  const norm = (p: string) => p.replace(/\\/g, '/');
  const file = opts.file ? norm(opts.file) : undefined;
  const bySite = new Map<string, { path: string; line: number; fn?: string; calls: Call[] }>();
  for (const run of runs) {
    for (const s of run.spans) {
      const g = s.genai;
      const at = g?.source?.[0];
      if (!g || !at) continue;
      const path = norm(at.path);
      if (file && !(path.endsWith(file) || file.endsWith(path.replace(/^\.?\//, '')))) continue;
      // A model call counts once: a framework's span over the provider's is not a call of its own.
      if (g.kind === 'llm' && !run.isModelCall(s.spanId)) continue;
      const counts = g.kind === 'llm' ? run.countsUsage(s.spanId) : true;
      const key = `${path}:${at.line}`;
      let site = bySite.get(key);
      if (!site) bySite.set(key, (site = { path, line: at.line, ...(at.function ? { fn: at.function } : {}), calls: [] }));
      site.calls.push({
        traceId: run.summary.traceId, spanId: s.spanId, start: s.startTimeUnixNano, ms: durationMs(s.startTimeUnixNano, s.endTimeUnixNano),
        error: s.status.code === 2, g, counts, ...((g.conversationId ?? run.summary.conversationId) ? { conversationId: g.conversationId ?? run.summary.conversationId } : {}),
      });
    }
  }
  return [...bySite.values()].map((site) => siteRollup(site.path, site.line, site.fn, site.calls, opts.creep ?? DEFAULT_CREEP)).sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line);
}

/**
 * Rollups per tool and per agent, by name, wherever they ran from: what the editor shows above a
 * tool's or an agent's definition (found by name in the open file). Path and line are empty; `name` says which.
 */
export function namedRollups(runs: Iterable<SiteRun>): SiteRollup[] {
  const byName = new Map<string, { kind: 'tool' | 'agent'; name: string; calls: Call[] }>();
  for (const run of runs) {
    for (const s of run.spans) {
      const g = s.genai;
      const name = g?.kind === 'tool' ? g.toolName : g?.kind === 'agent' ? g.agentName : undefined;
      if (!g || !name) continue;
      const key = `${g.kind}\u0000${name}`;
      let e = byName.get(key);
      if (!e) byName.set(key, (e = { kind: g.kind as 'tool' | 'agent', name, calls: [] }));
      e.calls.push({ traceId: run.summary.traceId, spanId: s.spanId, start: s.startTimeUnixNano, ms: durationMs(s.startTimeUnixNano, s.endTimeUnixNano),
        error: s.status.code === 2, g, counts: true });
    }
  }
  return [...byName.values()].map((e) => ({ ...rollup('', 0, undefined, e.calls, e.kind), name: e.name }))
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.name!.localeCompare(b.name!));
}

/** A line's rollup: its model calls if it made any (other kinds apart), else its most frequent kind. */
function siteRollup(path: string, line: number, fn: string | undefined, calls: Call[], creep: CreepRule): SiteRollup {
  const byKind = new Map<GenAiView['kind'], Call[]>();
  for (const c of calls) {
    const list = byKind.get(c.g.kind);
    if (list) list.push(c); else byKind.set(c.g.kind, [c]);
  }
  const kind = byKind.has('llm') ? 'llm' : [...byKind].sort((a, b) => b[1].length - a[1].length)[0]![0];
  const out = rollup(path, line, fn, byKind.get(kind)!, kind);
  const others = [...byKind].filter(([k]) => k !== kind).map(([k, list]) => {
    const ms = list.map((c) => c.ms).sort((a, b) => a - b);
    return { kind: k, calls: list.length, errors: list.filter((c) => c.error).length, p50Ms: pct(ms, 0.5), p95Ms: pct(ms, 0.95) };
  }).sort((a, b) => b.calls - a.calls);
  if (others.length) out.others = others;
  const c = creepAt(byKind.get(kind)!, creep);
  if (c) out.creep = c;
  return out;
}

function rollup(path: string, line: number, fn: string | undefined, calls: Call[], kind: SiteRollup['kind']): SiteRollup {
  const usage = zeroUsage();
  const models = new Map<string, SiteRollup['models'][number]>();
  let costUsd: number | null = null, unpriced = 0;
  const inputs: number[] = [], outputs: number[] = [];
  for (const c of calls) {
    const u = c.g.kind === 'llm' && c.counts ? c.g.usage : undefined;
    if (!u) continue;
    addUsage(usage, u);
    inputs.push(u.input);
    outputs.push(u.output);
    const model = c.g.responseModel ?? c.g.requestModel ?? '(unknown model)';
    let m = models.get(model);
    if (!m) models.set(model, (m = { model, calls: 0, usage: zeroUsage(), costUsd: null }));
    m.calls++;
    addUsage(m.usage, u);
    if (c.g.costUsd === null || c.g.costUsd === undefined) unpriced++;
    else { costUsd = (costUsd ?? 0) + c.g.costUsd; m.costUsd = (m.costUsd ?? 0) + c.g.costUsd; }
  }
  const ms = calls.map((c) => c.ms).sort((a, b) => a - b);
  const newest = calls.slice().sort((a, b) => cmpNanos(b.start, a.start));
  const seen = new Set<string>();
  const recent: SiteRollup['recent'] = [];
  for (const c of newest) {
    if (seen.has(c.traceId)) continue;
    seen.add(c.traceId);
    recent.push({ traceId: c.traceId, spanId: c.spanId, startTimeUnixNano: c.start as SiteRollup['recent'][number]['startTimeUnixNano'] });
    if (recent.length === 5) break;
  }
  const out: SiteRollup = {
    path, line, kind, calls: calls.length, errors: calls.filter((c) => c.error).length, usage,
    medianInput: pct(inputs.sort((a, b) => a - b), 0.5), medianOutput: pct(outputs.sort((a, b) => a - b), 0.5),
    costUsd, unpricedCalls: unpriced, models: [...models.values()].sort((a, b) => b.calls - a.calls),
    p50Ms: pct(ms, 0.5), p95Ms: pct(ms, 0.95), recent,
  };
  if (fn) out.function = fn;
  return out;
}

/**
 * Token creep at this line: within one conversation, turn by turn (a turn: the run a user message
 * caused), the input tokens per model call made here in that turn (a turn's tool loop makes more
 * calls, not bigger ones: like is compared with like); the worst conversation (src/analysis/creep.ts).
 */
function creepAt(calls: Call[], rule: CreepRule): SiteRollup['creep'] {
  const byConv = new Map<string, Map<string, { start: string; input: number; n: number }>>();
  for (const c of calls) {
    if (!c.conversationId || c.g.kind !== 'llm' || !c.g.usage || !c.counts) continue;
    let turns = byConv.get(c.conversationId);
    if (!turns) byConv.set(c.conversationId, (turns = new Map()));
    const t = turns.get(c.traceId);
    if (!t) turns.set(c.traceId, { start: c.start, input: c.g.usage.input, n: 1 });
    else {
      t.input += c.g.usage.input;
      t.n++;
      if (cmpNanos(c.start, t.start) < 0) t.start = c.start;
    }
  }
  let worst: SiteRollup['creep'];
  for (const [conversationId, turns] of byConv) {
    const perCall = [...turns.values()].sort((a, b) => cmpNanos(a.start, b.start)).map((t) => Math.round(t.input / t.n));
    const c = creepOf(perCall, rule);
    if (c && (!worst || c.ratio > worst.ratio)) worst = { ...c, conversationId };
  }
  return worst;
}
