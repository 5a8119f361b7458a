// The runs a stored record concerns (trace ids), for the runs a segment dropped unread takes with
// it (the disk cap at start). Only asked of segments dropped before they are replayed, so it may
// decode: the same decoder as ingest, with no attribute kept.
import { decodeBody } from '../otlp/decode';
import { RecordFormat, RecordType } from '../store/segments';
import type { Feedback } from '../protocol';

const NOTHING = { decode: [], presence: [] };

/** The runs (trace ids) of decoded spans or log records, each once. */
export function runsOf(items: readonly { traceId: string }[]): string[] {
  const out = new Set<string>();
  for (const x of items) if (x.traceId) out.add(x.traceId);
  return [...out];
}

export function runsOfRecord(type: RecordType, format: RecordFormat, payload: Buffer): Iterable<string> {
  if (type === RecordType.DeleteTrace) return []; // the run it names is gone already
  if (type === RecordType.Feedback) { const f = JSON.parse(payload.toString('utf8')) as Feedback; return typeof f.traceId === 'string' ? [f.traceId] : []; }
  const fmt = format === RecordFormat.Proto ? 'proto' : 'json';
  if (type === RecordType.Traces) { const d = decodeBody('traces', fmt, payload, NOTHING); return d.signal === 'traces' ? runsOf(d.data.spans) : []; }
  if (type === RecordType.Logs) { const d = decodeBody('logs', fmt, payload, NOTHING); return d.signal === 'logs' ? runsOf(d.data.logs) : []; }
  return [];
}
