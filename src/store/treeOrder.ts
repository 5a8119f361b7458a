// A run's spans in tree order, from the span table's columns: parents before their children,
// depth first, siblings by start time (exactly; ties in arrival order), as the run view draws
// them. A client that reads rows in this order builds its tree by appending and can draw the top
// of a run of any size from the first rows it gets. Works on numbers (slots, positions, the id
// index), not on span objects: ordering 1,000,000 spans this way takes a fraction of a second, a
// slice at a time.
import type { TraceEntry } from './traceEntry';

const STEP = 16_384;

/**
 * The run's slots in tree order; spans in a parent cycle (reachable from no root) come last. With
 * `parents`, its `at` gets each position's parent as a position in the same order (-1: a root, a
 * parent not in the run, or a span of a cycle): a client reading the rows in order finds each
 * parent without looking its id up (webview/runModel.ts addTreeRows).
 */
export function* treeOrderSteps(e: TraceEntry, parents?: { at?: Int32Array }): Generator<void, Int32Array> {
  const t = e.table;
  const slots = Int32Array.from(e.slots);
  const n = slots.length;
  // Each span's parent, as a position in `slots` (-1: a root, or its parent is not in the run).
  // Positions by slot in an array as long as the highest slot (a Map of 1,000,000 took a fifth of the time).
  let top = 0;
  for (let i = 0; i < n; i++) if (slots[i]! > top) top = slots[i]!;
  const posOf = new Int32Array(top + 1).fill(-1);
  for (let i = 0; i < n; i++) posOf[slots[i]!] = i;
  const parent = new Int32Array(n).fill(-1);
  const kids = new Int32Array(n + 1); // children per parent, then where each parent's list starts (CSR)
  let roots = 0;
  for (let i = 0; i < n; i++) {
    const [hi, lo] = t.parentHalves(slots[i]!);
    const ps = hi === 0 && lo === 0 ? -1 : t.find(e, hi, lo);
    const p = ps < 0 ? -1 : posOf[ps]!;
    if (p >= 0 && p !== i) { parent[i] = p; kids[p]!++; } else roots++;
    if (i % STEP === STEP - 1) yield;
  }
  // Lists of children, each in arrival order, then sorted by start (stable: ties keep arrival order).
  const start = new Int32Array(n + 1);
  for (let i = 0, at = 0; i < n; i++) { start[i] = at; at += kids[i]!; }
  start[n] = n - roots;
  const fill = start.slice(0, n);
  const child = new Int32Array(Math.max(0, n - roots));
  const rootList: number[] = [];
  for (let i = 0; i < n; i++) { const p = parent[i]!; if (p >= 0) child[fill[p]!++] = i; else rootList.push(i); }
  const byStart = (a: number, b: number) => t.cmpStart(slots[a]!, slots[b]!) || a - b;
  rootList.sort(byStart);
  let sorted = 0;
  for (let p = 0; p < n; p++) {
    const k = kids[p]!;
    if (k > 1) { child.subarray(start[p]!, start[p]! + k).sort(byStart); sorted += k; }
    if (sorted > STEP) { sorted = 0; yield; }
  }
  // Depth first, with a stack of positions (runs can be thousands of levels deep).
  const out = new Int32Array(n);
  const seen = new Uint8Array(n);
  // Where each position went in `out`, and each output's parent there (a parent comes out before its children).
  const at = parents ? new Int32Array(n).fill(-1) : undefined;
  const placed = parents ? new Int32Array(n) : undefined;
  let o = 0;
  const stack: number[] = [];
  for (let r = rootList.length - 1; r >= 0; r--) stack.push(rootList[r]!);
  while (stack.length) {
    const i = stack.pop()!;
    if (seen[i]) continue;
    seen[i] = 1;
    if (at) { placed![i] = o; if (parent[i]! >= 0) at[o] = placed![parent[i]!]!; }
    out[o++] = slots[i]!;
    for (let c = start[i]! + kids[i]! - 1; c >= start[i]!; c--) stack.push(child[c]!);
    if (o % STEP === 0) yield;
  }
  // Spans in a parent cycle are reachable from no root; they still belong in the answer.
  for (let i = 0; i < n && o < n; i++) if (!seen[i]) out[o++] = slots[i]!;
  if (parents) parents.at = at;
  return out;
}
