// Test helpers around the real OpenTelemetry JS SDK: providers that export to a server and keep
// what they sent, and the conversion of SDK values to what the API must return for them.
import { trace, context } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { TracerProvider, SimpleSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { AnyValue, KeyValue } from '../../src/protocol';

export function expectedValue(v: unknown): AnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (typeof v === 'bigint') return { intValue: v.toString() };
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(expectedValue) } };
  if (v && typeof v === 'object') return { kvlistValue: { values: expectedAttrs(v as Record<string, unknown>) } };
  return {};
}

export function expectedAttrs(o: Record<string, unknown>): KeyValue[] {
  return Object.entries(o).filter(([, v]) => v !== undefined).map(([key, value]) => ({ key, value: expectedValue(value) }));
}

/** Exact nanoseconds of an SDK HrTime (hrTimeToNanoseconds returns a lossy number). */
export const nanos = (hr: [number, number]) => (BigInt(hr[0]) * 1_000_000_000n + BigInt(hr[1])).toString();

/** What the API must return for an SDK span (resource and scope compared separately). */
export function expectedSpan(s: ReadableSpan) {
  return {
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? '',
    traceState: s.spanContext().traceState?.serialize() ?? '',
    name: s.name,
    kind: s.kind + 1,
    startTimeUnixNano: nanos(s.startTime),
    endTimeUnixNano: nanos(s.endTime),
    attributes: expectedAttrs(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      timeUnixNano: nanos(e.time), name: e.name, attributes: expectedAttrs(e.attributes ?? {}), droppedAttributesCount: e.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: l.context.traceId, spanId: l.context.spanId, traceState: l.context.traceState?.serialize() ?? '',
      attributes: expectedAttrs(l.attributes ?? {}), droppedAttributesCount: l.droppedAttributesCount ?? 0,
    })),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status.code, message: s.status.message ?? '' },
  };
}

export function tracerProvider(service: string, exporters: SpanExporter[], limits: { attributeCountLimit?: number } = {}) {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'test', 'host.cpu.count': 2 }),
    spanLimits: limits,
    spanProcessors: [...exporters, memory].map((exporter) => new SimpleSpanProcessor({ exporter })),
  });
  return { provider, memory, tracer: provider.getTracer('agent-lens-test', '1.2.3') };
}

/** A span of every kind of value the SDK can send: events, links, status, an error. */
export function emitRichTrace(tracer: ReturnType<TracerProvider['getTracer']>, tag: string): void {
  const root = tracer.startSpan(`invoke_agent ${tag}`, {
    kind: 1,
    attributes: {
      'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': `agent-${tag}`,
      's': 'text with ünïcödé ✓ and "quotes"', 'b': true, 'i': 42, 'neg': -7, 'big': 9007199254740991, 'd': 3.25,
      'arr_s': ['a', 'b'], 'arr_i': [1, 2, 3], 'arr_b': [true, false], 'arr_d': [0.5, 1.5],
      'kv': { nested: 'x', n: 1, deeper: { ok: true } }, 'bytes': new Uint8Array([0, 1, 2, 250, 255]),
      'empty': '',
    },
  });
  root.addEvent('step', { 'step.n': 1, 'step.note': 'first' });
  const ctx = trace.setSpan(context.active(), root);
  const child = tracer.startSpan(`chat gpt-4o-mini`, {
    kind: 2,
    attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 120, 'gen_ai.usage.output_tokens': 30,
    },
    links: [{ context: root.spanContext(), attributes: { 'link.reason': 'follows' } }],
  }, ctx);
  child.setStatus({ code: 2, message: `model refused ${tag}` });
  child.recordException(new Error('boom'));
  child.end();
  root.setStatus({ code: 1 });
  root.end();
}
