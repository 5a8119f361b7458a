// Builders for store tests: a span record with sensible defaults (style: builders over literals).
import type { SpanRecord } from '../../src/otlp/records';
import type { KeyValue, Nanos } from '../../src/protocol';
import { msOfNanos } from '../../src/time';

let n = 0;
const hex = (v: number, len: number) => v.toString(16).padStart(len, '0');

export function span(over: Partial<SpanRecord> & { attrs?: Record<string, string | number> } = {}): SpanRecord {
  const { attrs, ...rest } = over;
  const id = ++n;
  const start = BigInt(1_795_000_000_000_000_000) + BigInt(id) * 1_000_000n;
  const attributes: KeyValue[] = Object.entries(attrs ?? {}).map(([key, v]) => ({
    key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v },
  }));
  return {
    traceId: hex(1, 32), spanId: hex(id, 16), parentSpanId: '', name: `span-${id}`, kind: 1,
    startTimeUnixNano: start.toString() as Nanos, endTimeUnixNano: (start + 5_000_000n).toString() as Nanos,
    detail: { traceState: '', flags: 1, attributes, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0 },
    scan: { attributes, eventNames: [] },
    genai: undefined,
    bytes: 0,
    status: { code: 0, message: '' },
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }], droppedAttributesCount: 0, schemaUrl: '' },
    scope: { name: 's', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
    ...rest,
    // From the exact times, as the decoders read them.
    startMs: msOfNanos(rest.startTimeUnixNano ?? start.toString()), endMs: msOfNanos(rest.endTimeUnixNano ?? (start + 5_000_000n).toString()),
  };
}

export const traceId = (i: number) => hex(i, 32);
