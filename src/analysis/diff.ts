// Two runs side by side: their steps (agent invocations, model calls, tools, retrievals) in
// execution order, aligned by what they are (kind and name: the longest common subsequence, so a
// step added in one run does not shift the rest), prompts and outputs diffed line by line (the
// `diff` library), tool arguments compared, and token, cost and latency deltas per step and in all.
import { diffLines } from 'diff';
import type { ApiSpan, DiffSide, DiffStep, Message, RunDiff, TextDiff, TraceResponse } from '../protocol';
import { cmpNanos, durationMs } from '../time';

const STEP_KINDS = new Set(['agent', 'llm', 'tool', 'embeddings', 'retrieval']);

/** A step's identity for alignment: a tool by its name, a model call by its model, an agent by its name. */
function keyOf(s: ApiSpan): string {
  const g = s.genai;
  if (g?.kind === 'tool') return `tool:${g.toolName ?? s.name}`;
  if (g?.kind === 'agent') return `agent:${g.agentName ?? s.name}`;
  if (g?.kind === 'llm') return `llm:${g.requestModel ?? g.responseModel ?? s.name}`;
  return `${g?.kind ?? 'span'}:${s.name}`;
}

function labelOf(s: ApiSpan): string {
  const g = s.genai;
  if (g?.kind === 'tool') return `tool ${g.toolName ?? s.name}`;
  if (g?.kind === 'agent') return `agent ${g.agentName ?? s.name}`;
  if (g?.kind === 'llm') return `LLM ${g.responseModel ?? g.requestModel ?? s.name}`;
  return s.name;
}

function messagesText(msgs: readonly Message[] | undefined): string {
  return (msgs ?? []).map((m) => `[${m.role}]\n${m.parts.map((p) => {
    const o = p as Record<string, unknown>;
    if (typeof o.content === 'string') return o.content;
    if (o.type === 'tool_call') return `→ ${String(o.name)} ${JSON.stringify(o.arguments ?? {})}`;
    if (o.type === 'tool_call_response') return `← ${typeof o.response === 'string' ? o.response : JSON.stringify(o.response ?? null)}`;
    return JSON.stringify(o);
  }).join('\n')}`).join('\n');
}

/** The steps of a run to compare: decisions in start order (counted model calls only: each call once). */
export function diffSteps(t: TraceResponse): DiffSide[] {
  const steps = t.spans.filter((s) => STEP_KINDS.has(s.genai?.kind ?? '') && !(s.genai?.kind === 'llm' && s.genai.countsUsage === false))
    .slice().sort((a, b) => cmpNanos(a.startTimeUnixNano, b.startTimeUnixNano));
  return steps.map((s) => {
    const g = s.genai!;
    const side: DiffSide = { spanId: s.spanId, name: labelOf(s), kind: g.kind, durationMs: durationMs(s.startTimeUnixNano, s.endTimeUnixNano), error: s.status.code === 2 };
    if (g.usage) side.usage = g.usage;
    if (g.costUsd !== undefined) side.costUsd = g.costUsd;
    if (g.kind === 'llm') {
      const sys = g.systemInstructions?.length ? messagesText([{ role: 'system', parts: g.systemInstructions }]) + '\n' : '';
      side.prompt = sys + messagesText(g.inputMessages);
      side.output = messagesText(g.outputMessages);
    }
    if (g.kind === 'tool') {
      if (g.toolArguments !== undefined) side.args = g.toolArguments;
      if (g.toolResult !== undefined) side.output = typeof g.toolResult === 'string' ? g.toolResult : JSON.stringify(g.toolResult, null, 2);
    }
    return side;
  });
}

export function textDiff(a: string, b: string): TextDiff {
  return diffLines(a, b).map((c) => ({ op: c.added ? 'add' : c.removed ? 'del' : 'same', text: c.value }));
}

/** Pairs of indices aligned by key (longest common subsequence); unmatched steps stand alone, in order. */
export function align<T>(a: readonly T[], b: readonly T[], key: (x: T) => string): [number | undefined, number | undefined][] {
  const n = a.length, m = b.length;
  // Runs have tens to a few thousand steps: the quadratic table is small enough (and simpler than Myers here).
  const L: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) {
    L[i]![j] = key(a[i]!) === key(b[j]!) ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
  }
  const out: [number | undefined, number | undefined][] = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (key(a[i]!) === key(b[j]!)) out.push([i++, j++]);
    else if (L[i + 1]![j]! >= L[i]![j + 1]!) out.push([i++, undefined]);
    else out.push([undefined, j++]);
  }
  while (i < n) out.push([i++, undefined]);
  while (j < m) out.push([undefined, j++]);
  return out;
}

const sub = (x: number | null | undefined, y: number | null | undefined): number | null => (x === null || y === null || x === undefined || y === undefined ? null : y - x);

export function diffRuns(a: TraceResponse, b: TraceResponse): RunDiff {
  const sa = diffSteps(a), sb = diffSteps(b);
  const keyA = new Map(a.spans.map((s) => [s.spanId, keyOf(s)]));
  const keyB = new Map(b.spans.map((s) => [s.spanId, keyOf(s)]));
  const pairs = align<DiffSide>([...sa], [...sb], (x) => keyA.get(x.spanId) ?? keyB.get(x.spanId) ?? x.name);
  const steps: DiffStep[] = pairs.map(([i, j]) => {
    const x = i === undefined ? undefined : sa[i], y = j === undefined ? undefined : sb[j];
    const d: DiffStep = { label: (x ?? y)!.name, changed: !x || !y, delta: {
      input: (y?.usage?.input ?? 0) - (x?.usage?.input ?? 0), output: (y?.usage?.output ?? 0) - (x?.usage?.output ?? 0),
      costUsd: sub(x?.costUsd ?? (x ? null : 0), y?.costUsd ?? (y ? null : 0)), durationMs: (y?.durationMs ?? 0) - (x?.durationMs ?? 0) } };
    if (x) d.a = x;
    if (y) d.b = y;
    if (x && y) {
      if (x.prompt !== undefined || y.prompt !== undefined) d.prompt = textDiff(x.prompt ?? '', y.prompt ?? '');
      if (x.output !== undefined || y.output !== undefined) d.output = textDiff(x.output ?? '', y.output ?? '');
      if (x.args !== undefined || y.args !== undefined) d.argsEqual = JSON.stringify(x.args) === JSON.stringify(y.args);
      d.changed = d.argsEqual === false || x.error !== y.error || [d.prompt, d.output].some((t) => t?.some((c) => c.op !== 'same'));
    }
    return d;
  });
  return {
    a: a.summary, b: b.summary, steps,
    delta: {
      input: b.summary.usage.input - a.summary.usage.input, output: b.summary.usage.output - a.summary.usage.output,
      costUsd: sub(a.summary.costUsd, b.summary.costUsd), durationMs: b.summary.durationMs - a.summary.durationMs, steps: sb.length - sa.length,
    },
  };
}
