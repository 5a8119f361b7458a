// Runs that are pieces of other runs, kept up to date as spans arrive. Trace context lost across an
// async boundary (a thread pool, a task, a queue) leaves a tool or model call at the root of a run
// of its own, with no agent; it most likely belongs to an agent of the same service that was
// running when it started: same conversation when both say one; among several, the one whose model
// asked for its tool call id, else the narrowest. The piece usually arrives before the agent span
// it belongs in (exported when the agent ends), so marks change as agents arrive and leave.
//
// Per service, the agents' time windows and the pieces are kept sorted by start, so that an event
// touches only what it concerns: a new agent re-places the pieces that started inside its window, a
// new piece is placed, a run that leaves re-places what was placed in it. The marks are on the
// runs' summaries (`orphanOf` on the piece, `orphans` on the run it belongs to), so the runs list,
// the Runs view and the conversations see them; GET /api/orphans says why (analysis/orphans.ts).
import type { GenAiKind, TraceSummary } from '../protocol';
import { serviceOf, type StoredSpan, type TraceEntry } from './traceEntry';

/** The kinds of step that, at a run's root with no agent, make it a piece of another run. */
export const PIECE_KINDS: ReadonlySet<GenAiKind> = new Set<GenAiKind>(['tool', 'llm', 'embeddings', 'retrieval']);

/** Reading which tool calls an agent's model asked for decodes content: done to choose among this many agents at most. */
const MAX_DECODED_CANDIDATES = 8;

interface AgentWindow { entry: TraceEntry; spanId: string; name: string; startMs: number; endMs: number; placed?: Set<Piece> }
interface Piece { entry: TraceEntry; service: string; spanId: string; startMs: number; toolCallId?: string; placed?: AgentWindow }
interface ServiceIndex { windows: AgentWindow[]; longest: number; pieces: Piece[] }

export class OrphanIndex {
  private readonly services = new Map<string, ServiceIndex>();
  /** What each run put in the index, to take it out when the run leaves; a run with an agent is never a piece. */
  private readonly ofRun = new Map<TraceEntry, { windows: { service: string; w: AgentWindow }[]; pieces: Piece[]; hasAgent: boolean }>();
  /** Pieces to place again at the next refresh. */
  private readonly pending = new Set<Piece>();
  /** Runs whose marks changed outside a refresh. */
  private readonly touched = new Set<TraceEntry>();

  /**
   * @param requested the tool call ids a run's model calls asked for (read only to choose between
   *   a few agents that were running: it decodes content).
   */
  constructor(private readonly requested: (e: TraceEntry) => ReadonlySet<string>) {}

  private service(name: string): ServiceIndex {
    let s = this.services.get(name);
    if (!s) this.services.set(name, (s = { windows: [], longest: 0, pieces: [] }));
    return s;
  }

  private run(e: TraceEntry) {
    let r = this.ofRun.get(e);
    if (!r) this.ofRun.set(e, (r = { windows: [], pieces: [], hasAgent: false }));
    return r;
  }

  /** A span was added to `e` (after TraceEntry.add). */
  note(e: TraceEntry, s: StoredSpan): void {
    const kind = s.genai?.kind;
    if (kind === 'agent') {
      const name = serviceOf(s);
      const svc = this.service(name);
      const r = this.run(e);
      if (!r.hasAgent) { r.hasAgent = true; this.dropPieces(e); }
      const w: AgentWindow = { entry: e, spanId: s.spanId, name: s.name, startMs: s.startMs, endMs: s.endMs };
      svc.windows.splice(upperBound(svc.windows, w.startMs), 0, w);
      svc.longest = Math.max(svc.longest, w.endMs - w.startMs);
      r.windows.push({ service: name, w });
      // The pieces that started while it ran.
      for (let i = lowerBound(svc.pieces, w.startMs); i < svc.pieces.length && svc.pieces[i]!.startMs <= w.endMs; i++) this.pending.add(svc.pieces[i]!);
    } else if (!s.parentSpanId && kind && PIECE_KINDS.has(kind) && !this.ofRun.get(e)?.hasAgent) {
      const name = serviceOf(s);
      const p: Piece = { entry: e, service: name, spanId: s.spanId, startMs: s.startMs, ...(s.genai?.toolCallId ? { toolCallId: s.genai.toolCallId } : {}) };
      const svc = this.service(name);
      svc.pieces.splice(upperBound(svc.pieces, p.startMs), 0, p);
      this.run(e).pieces.push(p);
      this.pending.add(p);
    }
  }

  /** A run left the store: its windows and pieces go; what was placed in it is placed again. */
  remove(e: TraceEntry): void {
    const r = this.ofRun.get(e);
    if (!r) return;
    this.ofRun.delete(e);
    for (const { service, w } of r.windows) {
      const svc = this.services.get(service)!;
      removeAt(svc.windows, w);
      for (const p of w.placed ?? []) this.pending.add(p);
    }
    this.dropPieces(e, r.pieces);
  }

  /** The runs placed in `e` as its pieces (after the last refresh). */
  piecesOf(e: TraceEntry): TraceEntry[] {
    const out = new Set<TraceEntry>();
    for (const { w } of this.ofRun.get(e)?.windows ?? []) for (const p of w.placed ?? []) out.add(p.entry);
    return [...out];
  }

  clear(): void {
    this.services.clear();
    this.ofRun.clear();
    this.pending.clear();
    this.touched.clear();
  }

  /** Places the pieces something happened to; the runs whose marks changed. */
  refresh(): Set<TraceEntry> {
    const changed = new Set<TraceEntry>(this.touched);
    this.touched.clear();
    for (const p of this.pending) {
      if (!this.ofRun.has(p.entry)) continue; // its run left meanwhile
      const svc = this.services.get(p.service)!;
      const best = this.place(p, svc);
      if (best === p.placed) continue;
      if (p.placed) { p.placed.placed?.delete(p); adjust(p.placed.entry.summary, -1); changed.add(p.placed.entry); }
      p.placed = best;
      if (best) {
        (best.placed ??= new Set()).add(p);
        adjust(best.entry.summary, 1);
        changed.add(best.entry);
        p.entry.summary.orphanOf = { traceId: best.entry.traceId, spanId: best.spanId, name: best.name };
      } else delete p.entry.summary.orphanOf;
      changed.add(p.entry);
    }
    this.pending.clear();
    return changed;
  }

  /** The agent a piece most likely belongs to (the rule analysis/orphans.ts explains). */
  private place(p: Piece, svc: ServiceIndex): AgentWindow | undefined {
    const conv = p.entry.summary.conversationId;
    const candidates: AgentWindow[] = [];
    // Windows that started at or before the piece, back as far as the longest window reaches.
    for (let i = upperBound(svc.windows, p.startMs) - 1; i >= 0 && svc.windows[i]!.startMs >= p.startMs - svc.longest; i--) {
      const w = svc.windows[i]!;
      if (w.entry === p.entry || p.startMs > w.endMs) continue;
      const other = w.entry.summary.conversationId;
      if (conv && other && conv !== other) continue;
      candidates.push(w);
    }
    const decode = candidates.length > 1 && candidates.length <= MAX_DECODED_CANDIDATES && p.toolCallId !== undefined;
    let best: { w: AgentWindow; score: number } | undefined;
    for (const w of candidates) {
      let score = 1;
      if (conv && conv === w.entry.summary.conversationId) score += 2;
      if (decode && this.requested(w.entry).has(p.toolCallId!)) score += 4;
      if (!best || score > best.score || (score === best.score && w.endMs - w.startMs < best.w.endMs - best.w.startMs)) best = { w, score };
    }
    return best?.w;
  }

  /** A run's pieces are pieces no more (it has an agent, or it left). */
  private dropPieces(e: TraceEntry, pieces = this.ofRun.get(e)?.pieces ?? []): void {
    for (const p of pieces) {
      removeAt(this.services.get(p.service)!.pieces, p);
      this.pending.delete(p);
      if (p.placed) { p.placed.placed?.delete(p); adjust(p.placed.entry.summary, -1); this.touched.add(p.placed.entry); p.placed = undefined; }
    }
    pieces.length = 0;
    if (e.summary.orphanOf) { delete e.summary.orphanOf; this.touched.add(e); }
  }
}

function adjust(s: TraceSummary, by: 1 | -1): void {
  const n = (s.orphans ?? 0) + by;
  if (n > 0) s.orphans = n; else delete s.orphans;
}

/** The index of the first item that starts after `ms`. */
function upperBound(list: readonly { startMs: number }[], ms: number): number {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.startMs <= ms) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** The index of the first item that starts at or after `ms`. */
function lowerBound(list: readonly { startMs: number }[], ms: number): number {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.startMs < ms) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Takes an item out of a list sorted by start (found by its start, then by identity). */
function removeAt<T extends { startMs: number }>(list: T[], item: T): void {
  for (let i = lowerBound(list, item.startMs); i < list.length && list[i]!.startMs === item.startMs; i++) {
    if (list[i] === item) { list.splice(i, 1); return; }
  }
}
