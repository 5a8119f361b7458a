// Two runs side by side: their steps (agent invocations, model calls, tools, retrievals) in
// execution order, aligned by what they are (kind and name: a step added in one run does not shift
// the rest), prompts and outputs diffed line by line (the `diff` library), tool arguments
// compared, and token, cost and latency deltas per step and in all.
//
// At any size: the alignment is Myers' O(ND) (jsdiff's diffArrays) over step keys as numbers,
// after the common head and tail are taken off, within a time budget; past it, a coarser
// alignment in linear time (each step looks a few steps ahead for its match). A text diff has its
// own budget; past it the two texts are shown whole. Nothing here holds the event loop for longer
// than one budget: the caller pages the steps and yields between them (src/server/diffApi.ts).
import { diffArrays, diffLines } from 'diff';
import type { DiffSide, DiffStep, Message, TextDiff } from '../protocol';

export const STEP_KINDS: ReadonlySet<string> = new Set(['agent', 'llm', 'tool', 'embeddings', 'retrieval']);

/** Milliseconds one alignment or one text diff may take before the coarser answer is given. */
export const DIFF_BUDGET_MS = 40;

/** Aligned rows: for each, the index of the step in run A and in run B, or -1 when it is only in the other. */
export interface Alignment {
  a: Int32Array;
  b: Int32Array;
  /** False when the exact alignment ran out of its budget and the coarse one was made. */
  exact: boolean;
}

/** How far the coarse alignment looks ahead for a step's match. */
const LOOKAHEAD = 32;

class Rows {
  a: number[] = [];
  b: number[] = [];
  push(i: number, j: number): void { this.a.push(i); this.b.push(j); }
}

/**
 * Aligns two sequences of step keys (numbers: equal keys, equal steps) so that the most steps are
 * paired, in order. `budgetMs` bounds the exact alignment; past it the coarse one is made.
 */
export function alignKeys(ka: ArrayLike<number>, kb: ArrayLike<number>, budgetMs = DIFF_BUDGET_MS): Alignment {
  const n = ka.length, m = kb.length;
  const rows = new Rows();
  let pre = 0;
  while (pre < n && pre < m && ka[pre] === kb[pre]) rows.push(pre, pre++);
  let suf = 0;
  while (suf < n - pre && suf < m - pre && ka[n - 1 - suf] === kb[m - 1 - suf]) suf++;
  const ea = n - suf, eb = m - suf;
  let exact = true;
  if (pre < ea && pre < eb) {
    const midA = Array.prototype.slice.call(ka, pre, ea) as number[];
    const midB = Array.prototype.slice.call(kb, pre, eb) as number[];
    const parts = diffArrays(midA, midB, { timeout: budgetMs });
    if (parts) {
      let i = pre, j = pre;
      for (const p of parts) {
        for (let c = 0; c < p.count; c++) {
          if (p.added) rows.push(-1, j++);
          else if (p.removed) rows.push(i++, -1);
          else rows.push(i++, j++);
        }
      }
    } else {
      exact = false;
      coarse(ka, kb, pre, ea, pre, eb, rows);
    }
  } else {
    for (let i = pre; i < ea; i++) rows.push(i, -1);
    for (let j = pre; j < eb; j++) rows.push(-1, j);
  }
  for (let k = 0; k < suf; k++) rows.push(ea + k, eb + k);
  return { a: Int32Array.from(rows.a), b: Int32Array.from(rows.b), exact };
}

/** Linear time: equal keys pair; otherwise whichever side finds the other's key sooner (within LOOKAHEAD) skips to it. */
function coarse(ka: ArrayLike<number>, kb: ArrayLike<number>, i: number, ea: number, j: number, eb: number, rows: Rows): void {
  const ahead = (keys: ArrayLike<number>, from: number, end: number, want: number) => {
    for (let k = from, stop = Math.min(end, from + LOOKAHEAD); k < stop; k++) if (keys[k] === want) return k;
    return -1;
  };
  while (i < ea && j < eb) {
    if (ka[i] === kb[j]) { rows.push(i++, j++); continue; }
    const inB = ahead(kb, j + 1, eb, ka[i]!), inA = ahead(ka, i + 1, ea, kb[j]!);
    if (inB >= 0 && (inA < 0 || inB - j <= inA - i)) while (j < inB) rows.push(-1, j++);
    else if (inA >= 0) while (i < inA) rows.push(i++, -1);
    else { rows.push(i++, -1); rows.push(-1, j++); }
  }
  while (i < ea) rows.push(i++, -1);
  while (j < eb) rows.push(-1, j++);
}

/** Pairs of indices aligned by key; unmatched steps stand alone, in order. */
export function align<T>(a: readonly T[], b: readonly T[], key: (x: T) => string, budgetMs = DIFF_BUDGET_MS): [number | undefined, number | undefined][] {
  const ids = new Map<string, number>();
  const num = (x: T) => { const k = key(x); let v = ids.get(k); if (v === undefined) ids.set(k, (v = ids.size)); return v; };
  const r = alignKeys(a.map(num), b.map(num), budgetMs);
  return Array.from(r.a, (i, k) => [i < 0 ? undefined : i, r.b[k]! < 0 ? undefined : r.b[k]!]);
}

/** A line diff of two texts within `budgetMs`; past it (texts too long or too different) the two are shown whole. */
export function textDiff(a: string, b: string, budgetMs = DIFF_BUDGET_MS): { diff: TextDiff; coarse: boolean } {
  if (a === b) return { diff: a ? [{ op: 'same', text: a }] : [], coarse: false };
  const parts = diffLines(a, b, { timeout: budgetMs });
  if (!parts) {
    const diff: TextDiff = [];
    if (a) diff.push({ op: 'del', text: a });
    if (b) diff.push({ op: 'add', text: b });
    return { diff, coarse: true };
  }
  return { diff: parts.map((c) => ({ op: c.added ? 'add' : c.removed ? 'del' : 'same', text: c.value })), coarse: false };
}

export function messagesText(msgs: readonly Message[] | undefined): string {
  return (msgs ?? []).map((m) => `[${m.role}]\n${m.parts.map((p) => {
    const o = p as Record<string, unknown>;
    if (typeof o.content === 'string') return o.content;
    if (o.type === 'tool_call') return `→ ${String(o.name)} ${JSON.stringify(o.arguments ?? {})}`;
    if (o.type === 'tool_call_response') return `← ${typeof o.response === 'string' ? o.response : JSON.stringify(o.response ?? null)}`;
    return JSON.stringify(o);
  }).join('\n')}`).join('\n');
}

/** y - x, or null when either is unknown. */
export const sub = (x: number | null | undefined, y: number | null | undefined): number | null => (x === null || y === null || x === undefined || y === undefined ? null : y - x);

/**
 * One aligned row: the deltas, and for a pair, whether it changed (the prompt and output diffed
 * line by line, arguments compared). `x`, `y`: the sides with their content (prompt, output, args).
 */
export function diffStep(x: DiffSide | undefined, y: DiffSide | undefined, budgetMs = DIFF_BUDGET_MS): DiffStep {
  const d: DiffStep = { label: (x ?? y)!.name, changed: !x || !y, delta: {
    input: (y?.usage?.input ?? 0) - (x?.usage?.input ?? 0), output: (y?.usage?.output ?? 0) - (x?.usage?.output ?? 0),
    costUsd: sub(x?.costUsd ?? (x ? null : 0), y?.costUsd ?? (y ? null : 0)), durationMs: (y?.durationMs ?? 0) - (x?.durationMs ?? 0) } };
  if (x) d.a = x;
  if (y) d.b = y;
  if (x && y) {
    let coarseText = false;
    if (x.prompt !== undefined || y.prompt !== undefined) { const t = textDiff(x.prompt ?? '', y.prompt ?? '', budgetMs); d.prompt = t.diff; coarseText ||= t.coarse; }
    if (x.output !== undefined || y.output !== undefined) { const t = textDiff(x.output ?? '', y.output ?? '', budgetMs); d.output = t.diff; coarseText ||= t.coarse; }
    if (coarseText) d.coarse = true;
    if (x.args !== undefined || y.args !== undefined) d.argsEqual = JSON.stringify(x.args) === JSON.stringify(y.args);
    d.changed = d.argsEqual === false || x.error !== y.error || [d.prompt, d.output].some((t) => t?.some((c) => c.op !== 'same'));
  }
  return d;
}
