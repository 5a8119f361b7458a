// The runs a stored record concerns (trace ids), for the runs a segment dropped unread takes with
// it (the disk cap at start). Only asked of segments dropped before they are replayed, so it may
// decode: the same decoder as ingest, with no attribute kept.
import { decodeBody } from '../otlp/decode';
import { RecordFormat, RecordType } from '../store/segments';
import type { Feedback } from '../protocol';

const NOTHING = { decode: [], presence: [] };

export function* runsOfRecord(type: RecordType, format: RecordFormat, payload: Buffer): Iterable<string> {
  if (type === RecordType.DeleteTrace) return; // the run it names is gone already
  if (type === RecordType.Feedback) { const f = JSON.parse(payload.toString('utf8')) as Feedback; if (typeof f.traceId === 'string') yield f.traceId; return; }
  const fmt = format === RecordFormat.Proto ? 'proto' : 'json';
  const seen = new Set<string>();
  if (type === RecordType.Traces) {
    const d = decodeBody('traces', fmt, payload, NOTHING);
    if (d.signal === 'traces') for (const s of d.data.spans) seen.add(s.traceId);
  } else if (type === RecordType.Logs) {
    const d = decodeBody('logs', fmt, payload, NOTHING);
    if (d.signal === 'logs') for (const l of d.data.logs) if (l.traceId) seen.add(l.traceId);
  }
  yield* seen;
}
