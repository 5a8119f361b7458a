// The Runs view's order, editor-free: newest first, the runs of one conversation grouped under it
// (the group where its newest run is). A run still in progress whose root has not arrived does not
// know its conversation yet (instrumentations often put the id on the root only): it is placed
// with the conversation its service's previous run belonged to, so that it does not appear above
// the group and jump into it when the root arrives. Marked as a guess until the root says. An
// orphaned piece (a step that lost its trace context, `orphanOf`) is shown under the run it most
// likely belongs to, when that run is shown; elsewhere it is a run of its own, marked.
import type { TraceSummary } from '../protocol';
import { cmpNanos } from '../time';

export type RunNode = { kind: 'run'; run: TraceSummary; guessed?: boolean; pieces?: RunNode[]; parent?: RunNode };
export type ConversationNode = { kind: 'conversation'; id: string; runs: RunNode[] };
export type TreeNode = ConversationNode | RunNode;

const newestFirst = (a: TraceSummary, b: TraceSummary) => cmpNanos(b.startTimeUnixNano, a.startTimeUnixNano);

/** The conversation a run belongs to, or is placed in while its root is pending. */
function conversationOf(runs: TraceSummary[], i: number): { id: string; guessed: boolean } | undefined {
  const r = runs[i]!;
  if (r.conversationId) return { id: r.conversationId, guessed: false };
  if (!r.rootPending) return undefined;
  // The same service's latest finished run before it (`runs` is newest first).
  let prev: TraceSummary | undefined;
  for (let j = i + 1; j < runs.length && !prev; j++) if (runs[j]!.service === r.service && !runs[j]!.rootPending) prev = runs[j];
  return prev?.conversationId ? { id: prev.conversationId, guessed: true } : undefined;
}

/** The top level of the Runs view, from the runs to show (any order). */
export function placeRuns(shown: TraceSummary[]): TreeNode[] {
  const ids = new Set(shown.map((r) => r.traceId));
  const isPiece = (r: TraceSummary) => !!r.orphanOf && r.orphanOf.traceId !== r.traceId && ids.has(r.orphanOf.traceId);
  const runs = shown.filter((r) => !isPiece(r)).sort(newestFirst);
  const pieces = shown.filter(isPiece).sort(newestFirst);
  const byConv = new Map<string, ConversationNode>();
  const out: TreeNode[] = [];
  const nodes = new Map<string, RunNode>();
  runs.forEach((r, i) => {
    const conv = conversationOf(runs, i);
    const node: RunNode = conv?.guessed ? { kind: 'run', run: r, guessed: true } : { kind: 'run', run: r };
    nodes.set(r.traceId, node);
    if (!conv) { out.push(node); return; }
    let group = byConv.get(conv.id);
    if (!group) {
      byConv.set(conv.id, (group = { kind: 'conversation', id: conv.id, runs: [] }));
      out.push(group);
    }
    group.runs.push(node);
  });
  for (const r of pieces) {
    const parent = nodes.get(r.orphanOf!.traceId)!;
    (parent.pieces ??= []).push({ kind: 'run', run: r, parent });
  }
  return out;
}
