// Feedback on runs and steps: thumbs up/down or a score, with a comment, from the UI or from an
// app reporting its users' verdicts (POST /api/feedback). Kept durably in the data directory's
// log as framed records (like spans: counted under the disk cap, dropped with their run, a damaged
// record skipped), each written before the request is answered, so that what was accepted survives
// a kill -9; read back with the history.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Feedback } from '../protocol';
import { isPositive } from '../format';

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const FEEDBACK_ID = /^[0-9a-f]{16}$/;
export const MAX_COMMENT = 4000;

/**
 * Checks a POST body; the record to keep, or what is wrong with it. `known(traceId, spanId?)` says
 * whether the run (and step) exist; `earlier(id)` finds a verdict this one may replace.
 */
export function parseFeedback(body: unknown, known: (traceId: string, spanId?: string) => 'ok' | 'no-trace' | 'no-span', source: Feedback['source'], now = Date.now(),
  earlier: (id: string) => Feedback | undefined = () => undefined): { ok: Feedback } | { status: number; error: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { status: 400, error: 'the body must be a JSON object: {"traceId", "spanId"?, "value": "up" | "down" | a number from 0 to 1, "comment"?}' };
  const b = body as Record<string, unknown>;
  const traceId = typeof b.traceId === 'string' ? b.traceId.toLowerCase() : undefined;
  if (!traceId || !TRACE_ID.test(traceId)) return { status: 400, error: 'traceId must be 32 hexadecimal digits' };
  const spanId = b.spanId === undefined || b.spanId === null ? undefined : typeof b.spanId === 'string' ? b.spanId.toLowerCase() : '';
  if (spanId !== undefined && !SPAN_ID.test(spanId)) return { status: 400, error: 'spanId, when given, must be 16 hexadecimal digits' };
  const v = b.value;
  if (!(v === 'up' || v === 'down' || (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1))) {
    return { status: 400, error: `value must be "up", "down" or a number from 0 to 1 (got ${JSON.stringify(v) ?? 'nothing'})` };
  }
  if (b.comment !== undefined && typeof b.comment !== 'string') return { status: 400, error: 'comment must be a string' };
  if (typeof b.comment === 'string' && b.comment.length > MAX_COMMENT) return { status: 400, error: `comment is longer than ${MAX_COMMENT} characters` };
  if (b.user !== undefined && (typeof b.user !== 'string' || b.user.length > 200)) return { status: 400, error: 'user must be a string of at most 200 characters' };
  if (b.replaces !== undefined && (typeof b.replaces !== 'string' || !FEEDBACK_ID.test(b.replaces))) return { status: 400, error: 'replaces, when given, must be the id of earlier feedback (16 hexadecimal digits)' };
  const k = known(traceId, spanId);
  if (k === 'no-trace') return { status: 404, error: `no trace ${traceId}: feedback is kept with a run the receiver has` };
  if (k === 'no-span') return { status: 404, error: `no span ${spanId} in trace ${traceId}` };
  const f: Feedback = { id: randomBytes(8).toString('hex'), traceId, value: v as Feedback['value'], source, timeUnixMs: now };
  if (spanId) f.spanId = spanId;
  if (typeof b.comment === 'string' && b.comment.trim()) f.comment = b.comment.trim();
  if (typeof b.user === 'string') f.user = b.user;
  if (typeof b.replaces === 'string') {
    const old = earlier(b.replaces);
    if (!old || old.traceId !== traceId || (old.spanId ?? '') !== (spanId ?? '')) return { status: 404, error: `no feedback ${b.replaces} on this ${spanId ? 'step' : 'run'} to replace` };
    f.replaces = b.replaces;
  }
  return { ok: f };
}


/** Verdicts per run kept in memory: the newest ones (the rest stays on disk, counted). */
export const FEEDBACK_IN_MEMORY = 200;

/**
 * Feedback per run. Written as framed records in the data directory's log (with the runs: counted
 * under the disk cap, dropped with its run), before a request is answered; read back with the
 * history. In memory: per run, its counts and its newest verdicts; a run that leaves the store
 * (deleted, dropped, evicted) takes its feedback with it.
 */
export class FeedbackStore {
  private readonly byTrace = new Map<string, { list: Feedback[]; up: number; down: number; total: number }>();

  /** `write`: keeps a record on disk before it counts (absent: memory only); throws when it cannot. */
  constructor(private readonly write?: (f: Feedback) => void) {}

  /** Keeps a record: on disk before it counts. */
  add(f: Feedback): void {
    this.write?.(f);
    this.remember(f);
  }

  private remember(f: Feedback): void {
    let run = this.byTrace.get(f.traceId);
    if (!run) this.byTrace.set(f.traceId, (run = { list: [], up: 0, down: 0, total: 0 }));
    // A verdict that replaces an earlier one takes its place (the log keeps both, in order).
    const at = f.replaces ? run.list.findIndex((x) => x.id === f.replaces) : -1;
    if (at >= 0) {
      if (isPositive(run.list[at]!)) run.up--; else run.down--;
      run.list[at] = f;
    } else {
      run.list.push(f);
      run.total++;
      if (run.list.length > FEEDBACK_IN_MEMORY) run.list.shift();
    }
    if (isPositive(f)) run.up++; else run.down++;
  }

  /** A record of the history: feedback (kept unless its run was dropped), or a deletion (its run's feedback goes). The runs it concerns. */
  replayed(type: 'feedback' | 'delete', payload: Buffer, isGone: (traceId: string) => boolean = () => false): string[] {
    if (type === 'delete') { const id = payload.toString('ascii'); this.removeRun(id); return [id]; }
    let f: Feedback;
    try { f = JSON.parse(payload.toString('utf8')) as Feedback; } catch { return []; }
    if (typeof f?.traceId !== 'string' || isGone(f.traceId)) return typeof f?.traceId === 'string' ? [f.traceId] : [];
    this.remember(f);
    return [f.traceId];
  }

  /**
   * Older data directories kept feedback in feedback.jsonl (one JSON object a line; a torn last
   * line skipped): written into the log once, and the file renamed so it is not read again.
   */
  migrate(dataDir: string | null, log: (m: string) => void): number {
    if (!dataDir) return 0;
    const file = path.join(dataDir, 'feedback.jsonl');
    if (!fs.existsSync(file)) return 0;
    let n = 0;
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let f: Feedback;
      try { f = JSON.parse(line) as Feedback; } catch { log(`warning: ${file}: skipped a line that is not JSON (a torn write)`); continue; }
      this.add(f);
      n++;
    }
    fs.renameSync(file, `${file}.migrated`);
    return n;
  }

  removeRun(traceId: string): void { this.byTrace.delete(traceId); }
  clear(): void { this.byTrace.clear(); }

  /** A run's feedback, newest last (at most the newest `limit`), and how many it has in all. */
  of(traceId: string, limit = FEEDBACK_IN_MEMORY): Feedback[] {
    const list = this.byTrace.get(traceId)?.list ?? [];
    return list.slice(Math.max(0, list.length - limit));
  }

  total(traceId: string): number { return this.byTrace.get(traceId)?.total ?? 0; }

  /** A kept verdict by its id, in a run. */
  find(traceId: string, id: string): Feedback | undefined { return this.byTrace.get(traceId)?.list.find((f) => f.id === id); }

  /** Counts for a run's summary, or undefined when it has none. */
  counts(traceId: string): { up: number; down: number } | undefined {
    const run = this.byTrace.get(traceId);
    return run && run.up + run.down ? { up: run.up, down: run.down } : undefined;
  }
}
