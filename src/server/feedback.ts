// Feedback on runs and steps: thumbs up/down or a score, with a comment, from the UI or from an
// app reporting its users' verdicts (POST /api/feedback). Kept durably in the data directory as
// JSON lines, each written and fsynced before the request is answered, so that what was accepted
// survives a kill -9; read back at start (a torn last line, from a crash mid-write, is skipped).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Feedback } from '../protocol';

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

/** Whether a feedback value is positive: "up", or a score of 0.5 or more. */
export function isPositive(f: Pick<Feedback, 'value'>): boolean {
  return f.value === 'up' || (typeof f.value === 'number' && f.value >= 0.5);
}

export class FeedbackStore {
  private readonly byTrace = new Map<string, Feedback[]>();
  private fd: number | undefined;
  private readonly file: string | undefined;

  constructor(dataDir: string | null) {
    this.file = dataDir ? path.join(dataDir, 'feedback.jsonl') : undefined;
  }

  /** Reads what was kept; returns how many records. */
  load(): number {
    if (!this.file || !fs.existsSync(this.file)) return 0;
    let n = 0;
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try { this.remember(JSON.parse(line) as Feedback); n++; } catch { /* a torn line from a crash mid-write */ }
    }
    return n;
  }

  /** Keeps a record: on disk (written and fsynced) before it counts. */
  add(f: Feedback): void {
    if (this.file) {
      if (this.fd === undefined) {
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        this.fd = fs.openSync(this.file, 'a', 0o600);
      }
      fs.writeSync(this.fd, `${JSON.stringify(f)}\n`);
      fs.fsyncSync(this.fd);
    }
    this.remember(f);
  }

  private remember(f: Feedback): void {
    let list = this.byTrace.get(f.traceId);
    if (!list) this.byTrace.set(f.traceId, (list = []));
    // A verdict that replaces an earlier one takes its place (the log keeps both, in order).
    const at = f.replaces ? list.findIndex((x) => x.id === f.replaces) : -1;
    if (at >= 0) list[at] = f; else list.push(f);
  }

  of(traceId: string): Feedback[] { return this.byTrace.get(traceId) ?? []; }

  /** A kept verdict by its id, in a run. */
  find(traceId: string, id: string): Feedback | undefined { return this.byTrace.get(traceId)?.find((f) => f.id === id); }

  /** Counts for a run's summary, or undefined when it has none. */
  counts(traceId: string): { up: number; down: number } | undefined {
    const list = this.byTrace.get(traceId);
    if (!list?.length) return undefined;
    let up = 0;
    for (const f of list) if (isPositive(f)) up++;
    return { up, down: list.length - up };
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
