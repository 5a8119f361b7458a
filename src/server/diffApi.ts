// GET /api/diff?a=&b=[&offset=&limit=]: two runs side by side (src/analysis/diff.ts), at any size
// without holding the event loop: the steps are read from the columns (no content) a slice at a
// time, aligned within a budget (kept for the next page while neither run changes), and only the
// page asked for gets its content read and its texts diffed, a step at a time, yielding between.
import type { TraceEntry, StoredSpan } from '../store/traceEntry';
import { spanContents, toolLinksReady } from '../store/views';
import { DIFF_BUDGET_MS, STEP_KINDS, alignKeys, diffStep, messagesText, sub, type Alignment } from '../analysis/diff';
import type { DiffSide, DiffStep, RunDiff } from '../protocol';
import { cmpNanos, durationMs } from '../time';
import { drive, eachStep, turn } from '../slices';

export const DIFF_PAGE = 200;
export const DIFF_PAGE_MAX = 1000;
/** How long one page may spend diffing texts before the rest of it is compared by its figures alone. */
const PAGE_BUDGET_MS = 5000;

/** A step as the alignment and the table need it (no content). */
interface Step { spanId: string; /** Its kind and name, as a number shared by both runs' steps. */ key: number; side: DiffSide; start: string; startMs: number }

function keyOf(s: StoredSpan): string {
  const g = s.genai;
  if (g?.kind === 'tool') return `tool:${g.toolName ?? s.name}`;
  if (g?.kind === 'agent') return `agent:${g.agentName ?? s.name}`;
  if (g?.kind === 'llm') return `llm:${g.requestModel ?? g.responseModel ?? s.name}`;
  return `${g?.kind ?? 'span'}:${s.name}`;
}

function labelOf(s: StoredSpan): string {
  const g = s.genai;
  if (g?.kind === 'tool') return `tool ${g.toolName ?? s.name}`;
  if (g?.kind === 'agent') return `agent ${g.agentName ?? s.name}`;
  if (g?.kind === 'llm') return `LLM ${g.responseModel ?? g.requestModel ?? s.name}`;
  return s.name;
}

/** A run's steps in start order: decisions (each model call once: counted model calls only). */
async function stepsOf(e: TraceEntry, keys: Map<string, number>): Promise<Step[]> {
  const out: Step[] = [];
  await drive(eachStep(e.spans.values(), (s) => {
    const g = s.genai;
    if (!g || !STEP_KINDS.has(g.kind) || (g.kind === 'llm' && !e.countsUsage(s.spanId))) return;
    const side: DiffSide = { spanId: s.spanId, name: labelOf(s), kind: g.kind, durationMs: durationMs(s.startTimeUnixNano, s.endTimeUnixNano), error: s.status.code === 2 };
    if (g.usage) side.usage = g.usage;
    if (g.costUsd !== undefined) side.costUsd = g.costUsd;
    const key = keyOf(s);
    let k = keys.get(key);
    if (k === undefined) keys.set(key, (k = keys.size));
    out.push({ spanId: s.spanId, key: k, side, start: s.startTimeUnixNano, startMs: s.startMs });
  }));
  // (Milliseconds first: comparing numbers sorts 100,000 steps several times faster than the exact strings, which break ties.)
  out.sort((x, y) => x.startMs - y.startMs || cmpNanos(x.start, y.start));
  return out;
}

interface Aligned { stepsA: Step[]; stepsB: Step[]; rows: Alignment; onlyA: number; onlyB: number }

// The last alignments, so that the next page of the same two runs is not aligned again.
const cache = new Map<string, Aligned>();
const CACHE_MAX = 2; // (the steps of two 100k-step runs are tens of MB, outside the store budget: so few are kept)
const versionOf = (e: TraceEntry) => `${e.traceId}:${e.summary.spanCount}`;

async function aligned(ea: TraceEntry, eb: TraceEntry): Promise<Aligned> {
  const key = `${versionOf(ea)}/${versionOf(eb)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const keys = new Map<string, number>();
  const stepsA = await stepsOf(ea, keys);
  const stepsB = await stepsOf(eb, keys);
  const ka = new Int32Array(stepsA.length), kb = new Int32Array(stepsB.length);
  for (let i = 0; i < ka.length; i++) ka[i] = stepsA[i]!.key;
  for (let i = 0; i < kb.length; i++) kb[i] = stepsB[i]!.key;
  await turn();
  const rows = alignKeys(ka, kb, DIFF_BUDGET_MS);
  let onlyA = 0, onlyB = 0;
  for (let k = 0; k < rows.a.length; k++) { if (rows.b[k]! < 0) onlyA++; else if (rows.a[k]! < 0) onlyB++; }
  const out = { stepsA, stepsB, rows, onlyA, onlyB };
  cache.set(key, out);
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
  return out;
}

/** A side with what its step said: a model call's prompt and output, a tool's arguments and result. */
function withContent(side: DiffSide, content: (spanId: string) => import('../protocol').ApiSpan | undefined): DiffSide {
  const g = content(side.spanId)?.genai;
  const out = { ...side };
  if (g?.kind === 'llm') {
    const sys = g.systemInstructions?.length ? messagesText([{ role: 'system', parts: g.systemInstructions }]) + '\n' : '';
    out.prompt = sys + messagesText(g.inputMessages);
    out.output = messagesText(g.outputMessages);
  }
  if (g?.kind === 'tool') {
    if (g.toolArguments !== undefined) out.args = g.toolArguments;
    if (g.toolResult !== undefined) out.output = typeof g.toolResult === 'string' ? g.toolResult : JSON.stringify(g.toolResult, null, 2);
  }
  return out;
}

/** The diff of two runs, the page of aligned steps from `offset` (at most `limit`). */
export async function diffRuns(ea: TraceEntry, eb: TraceEntry, offset = 0, limit = DIFF_PAGE): Promise<RunDiff> {
  const al = await aligned(ea, eb);
  const { rows, stepsA, stepsB } = al;
  const total = rows.a.length;
  const from = Math.min(offset, total), to = Math.min(total, from + limit);
  // The tool links (a tool's arguments from the model call that asked for it) are read a slice at a time first.
  await toolLinksReady(ea);
  await toolLinksReady(eb);
  const contentA = spanContents(ea), contentB = spanContents(eb);
  const notes: string[] = [];
  if (!rows.exact) notes.push(`the runs differ in too many steps to align exactly within ${DIFF_BUDGET_MS} ms: steps are paired where their kind and name match nearby (within 32 steps)`);
  const steps: DiffStep[] = [];
  const until = Date.now() + PAGE_BUDGET_MS;
  let skipped = 0;
  const idx = Array.from({ length: to - from }, (_, k) => from + k);
  await drive(eachStep(idx, (k) => {
    const i = rows.a[k]!, j = rows.b[k]!;
    const x = i >= 0 ? stepsA[i]!.side : undefined, y = j >= 0 ? stepsB[j]!.side : undefined;
    // Content only for pairs (a step on one side alone is shown by its figures), and while the page's budget lasts.
    if (x && y && Date.now() < until) steps.push(diffStep(withContent(x, contentA), withContent(y, contentB)));
    else { if (x && y) skipped++; steps.push(diffStep(x, y)); }
  }));
  if (skipped) notes.push(`${skipped} paired steps of this page were compared by their figures only (the page's ${PAGE_BUDGET_MS / 1000} s for text diffs ran out)`);
  if (steps.some((s) => s.coarse)) notes.push('some prompts or outputs were too long or too different to diff line by line in time: they are shown whole');
  const d: RunDiff = {
    a: ea.summary, b: eb.summary, steps, offset: from, total, onlyA: al.onlyA, onlyB: al.onlyB, paired: total - al.onlyA - al.onlyB,
    alignment: rows.exact ? 'exact' : 'coarse',
    delta: {
      input: eb.summary.usage.input - ea.summary.usage.input, output: eb.summary.usage.output - ea.summary.usage.output,
      costUsd: sub(ea.summary.costUsd, eb.summary.costUsd), durationMs: eb.summary.durationMs - ea.summary.durationMs, steps: stepsB.length - stepsA.length,
    },
  };
  if (to < total) d.next = to;
  if (notes.length) d.notes = notes;
  return d;
}
