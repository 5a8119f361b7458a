// What decoded OTLP values cost in memory, roughly (V8: an object about 60-100 bytes, a string 16
// plus its characters): for the store's estimate of OTLP/JSON spans' details and of log records.
// Walked by hand: JSON.stringify of every value to size it was an eighth of JSON ingest.
import type { AnyValue, KeyValue } from '../protocol';
import type { SpanDetail } from '../otlp/records';

export function valueBytes(v: AnyValue | undefined, depth = 0): number {
  if (!v || depth > 8) return 32;
  if ('stringValue' in v) return 48 + v.stringValue.length;
  if ('arrayValue' in v) { let n = 64; for (const x of v.arrayValue.values ?? []) n += valueBytes(x, depth + 1); return n; }
  if ('kvlistValue' in v) { let n = 64; for (const x of v.kvlistValue.values ?? []) n += 64 + x.key.length + valueBytes(x.value, depth + 1); return n; }
  if ('bytesValue' in v) return 48 + v.bytesValue.length;
  return 48;
}

export function kvBytes(list: readonly KeyValue[]): number {
  let n = 0;
  for (const x of list) n += 64 + x.key.length + valueBytes(x.value);
  return n;
}

export function detailBytes(d: SpanDetail): number {
  let n = 200 + kvBytes(d.attributes);
  for (const e of d.events) n += 120 + e.name.length + kvBytes(e.attributes);
  for (const l of d.links) n += 200 + kvBytes(l.attributes);
  return n;
}
