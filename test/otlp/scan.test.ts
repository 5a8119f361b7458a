// The ingest decoder keeps a span's bytes and decodes most of them only when a query asks. These
// tests hold it to that bargain: whatever ingest accepts decodes later without an error, input it
// refuses is refused with a decode error (never a crash), and the GenAI view computed from the
// attributes ingest decodes is the one computed from all of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { decodeTracesProto, spanDetail } from '../../src/otlp/decodeProto';
import { OtlpDecodeError } from '../../src/otlp/records';
import { keysReadAtIngest, normalizeSpan, scanKeys } from '../../src/genai/normalize';
import type { SpanRecord } from '../../src/otlp/records';
import { TraceStore } from '../../src/store/store';
import { EXTRA_KEYS } from '../../src/store/spanTable';
import { captureNames, truthOf, CAPTURES_DIR } from '../helpers/captures';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { isDeepStrictEqual } from 'node:util';
import { emitRichTrace, tracerProvider, expectedSpan } from '../helpers/otel';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const root = require(path.join(__dirname, '..', '..', 'node_modules', 'otlp-transformer-215', 'build', 'src', 'generated', 'root.js'));
const RefRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

function richBatch(): Buffer {
  const { tracer, memory } = tracerProvider('scan-test', []);
  emitRichTrace(tracer, 'a');
  emitRichTrace(tracer, 'b');
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!);
}

test('a stored span decodes back to exactly what the SDK sent', () => {
  const { tracer, memory } = tracerProvider('scan-test', []);
  emitRichTrace(tracer, 'x');
  const sent = memory.getFinishedSpans();
  const { spans } = decodeTracesProto(Buffer.from(ProtobufTraceSerializer.serializeRequest(sent)!), scanKeys);
  assert.equal(spans.length, sent.length);
  for (const s of sent) {
    const rec = spans.find((r) => r.spanId === s.spanContext().spanId)!;
    assert.ok(Buffer.isBuffer(rec.detail), 'protobuf spans keep their bytes');
    const d = spanDetail(rec);
    const { links, ...want } = expectedSpan(s);
    const got = { ...d, traceId: rec.traceId, spanId: rec.spanId, parentSpanId: rec.parentSpanId, name: rec.name, kind: rec.kind,
      startTimeUnixNano: rec.startTimeUnixNano, endTimeUnixNano: rec.endTimeUnixNano, status: rec.status };
    const { flags: _f, links: gotLinks, ...gotRest } = got;
    assert.deepEqual(gotRest, want);
    assert.deepEqual(gotLinks.map(({ flags: _x, ...l }) => l), links);
  }
});

test('fuzz: mutated batches are refused with a decode error, or accepted and decode again later', () => {
  const good = richBatch();
  let seed = 12345;
  const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
  let accepted = 0, refused = 0;
  for (let i = 0; i < 3000; i++) {
    const b = Buffer.from(good);
    const kind = rnd(3);
    let buf: Buffer = b;
    if (kind === 0) for (let k = 0; k <= rnd(4); k++) b[rnd(b.length)] = rnd(256);
    else if (kind === 1) buf = b.subarray(0, rnd(b.length));
    else { const at = rnd(b.length); buf = Buffer.concat([b.subarray(0, at), Buffer.from([rnd(256), rnd(256)]), b.subarray(at)]); }
    let decoded;
    try {
      decoded = decodeTracesProto(buf, scanKeys);
    } catch (e) {
      assert.ok(e instanceof OtlpDecodeError, `mutation ${i} threw ${(e as Error).stack}`);
      refused++;
      continue;
    }
    accepted++;
    for (const s of decoded.spans) assert.doesNotThrow(() => spanDetail(s), `mutation ${i}: an accepted span must decode again`);
  }
  assert.ok(accepted > 100 && refused > 100, `both outcomes exercised (accepted ${accepted}, refused ${refused})`);
});

test('values nested deeper than 64 levels are refused, not a stack overflow', () => {
  let value: Record<string, unknown> = { stringValue: 'bottom' };
  for (let i = 0; i < 100; i++) value = { arrayValue: { values: [value] } };
  const req = {
    resourceSpans: [{ scopeSpans: [{ spans: [{
      traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 'deep', attributes: [{ key: 'deep', value }],
    }] }] }],
  };
  const buf = Buffer.from(RefRequest.encode(RefRequest.fromObject(req)).finish());
  assert.throws(() => decodeTracesProto(buf, scanKeys), (e: Error) => e instanceof OtlpDecodeError && /nested deeper than 64/.test(e.message));
});

// One attribute set per schema, and spans that mix them: the ingest view must equal the full view.
const CORPUS: Record<string, unknown>[] = [
  { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06',
    'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 20, 'gen_ai.usage.cache_read.input_tokens': 40,
    'gen_ai.response.finish_reasons': ['stop'], 'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
    'gen_ai.conversation.id': 'c1', 'error.type': 'timeout' },
  { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.prompt_tokens': 10, 'gen_ai.usage.completion_tokens': 5 },
  { 'llm.request.type': 'chat', 'gen_ai.system': 'OpenAI', 'gen_ai.prompt.0.role': 'user', 'gen_ai.prompt.0.content': 'hi',
    'gen_ai.completion.0.role': 'assistant', 'llm.usage.total_tokens': 30, 'gen_ai.usage.prompt_tokens': 20, 'gen_ai.usage.completion_tokens': 10 },
  { 'traceloop.span.kind': 'agent', 'traceloop.entity.name': 'planner', 'traceloop.entity.input': '{"q":1}' },
  { 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o', 'llm.provider': 'openai', 'llm.token_count.prompt': 12,
    'llm.token_count.completion': 3, 'input.value': 'hi', 'session.id': 's1' },
  { 'openinference.span.kind': 'TOOL', 'tool.name': 'get_weather', 'tool.parameters': '{}' },
  { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.id': 'gpt-4o', 'ai.model.provider': 'openai.chat',
    'ai.usage.promptTokens': 8, 'ai.usage.completionTokens': 2, 'gen_ai.usage.input_tokens': 8, 'ai.telemetry.functionId': 'fn' },
  { 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': 'search', 'ai.toolCall.id': 'call_1', 'ai.toolCall.args': '{"q":"x"}' },
  { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': 'call_2', 'gen_ai.tool.call.arguments': '{}' },
  { 'http.method': 'GET', 'http.route': '/x' },
];

test('the GenAI view from the attributes ingest decodes equals the view from all of them', () => {
  const { tracer, memory } = tracerProvider('scan-test', []);
  for (const [i, attrs] of CORPUS.entries()) {
    const s = tracer.startSpan(`span ${i}`, { attributes: attrs as Record<string, string> });
    if (i === 1) s.addEvent('gen_ai.user.message', { content: 'hi' });
    if (i === 0) s.setStatus({ code: 2, message: 'boom' });
    s.end();
  }
  const sent = memory.getFinishedSpans();
  const { spans } = decodeTracesProto(Buffer.from(ProtobufTraceSerializer.serializeRequest(sent)!), scanKeys);
  let views = 0;
  for (const rec of spans) {
    const d = spanDetail(rec);
    const fromScan = normalizeSpan({ name: rec.name, status: rec.status, ...rec.scan! });
    const fromAll = normalizeSpan({ name: rec.name, status: rec.status, attributes: d.attributes, eventNames: d.events.map((e) => e.name) });
    assert.deepEqual(fromScan, fromAll, rec.name);
    assert.ok(rec.scan!.attributes.length <= d.attributes.length);
    if (fromAll) views++;
  }
  assert.equal(views, CORPUS.length - 1, 'every GenAI span got a view, the plain HTTP span none');
});

// Every span of the captured Python framework runs, decoded both ways.
function captureSpans(): SpanRecord[] {
  const out: SpanRecord[] = [];
  for (const name of captureNames()) {
    for (const r of truthOf(name).requests.filter((x) => x.path === '/v1/traces')) {
      let body = fs.readFileSync(path.join(CAPTURES_DIR, name, r.file));
      if (r.content_encoding === 'gzip') body = zlib.gunzipSync(body);
      out.push(...decodeTracesProto(body, scanKeys).spans);
    }
  }
  return out;
}

test('every attribute the ingest view reads is one ingest decodes (scanKeys), for every span of every capture and the corpus', () => {
  const { tracer, memory } = tracerProvider('scan-keys', []);
  for (const attrs of [...CORPUS, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a', 'gen_ai.agent.id': 'asst_1' }, { 'gen_ai.agent.name': 'old-style' }]) {
    tracer.startSpan('corpus', { attributes: attrs as Record<string, string> }).end();
  }
  const spans = [...captureSpans(), ...decodeTracesProto(Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!), scanKeys).spans];
  assert.ok(spans.length > 150, `${spans.length} spans`);
  const known = new Set([...scanKeys.decode, ...scanKeys.presence]);
  const missing = new Set<string>();
  let differ = 0;
  for (const rec of spans) {
    const d = spanDetail(rec);
    const all = { name: rec.name, status: rec.status, attributes: d.attributes, eventNames: d.events.map((e) => e.name) };
    for (const k of keysReadAtIngest(all)) if (!known.has(k)) missing.add(k);
    // And so the view ingest stores is the view all the attributes give.
    const fromScan = normalizeSpan({ name: rec.name, status: rec.status, ...rec.scan! });
    if (!isDeepStrictEqual(fromScan, normalizeSpan(all))) differ++;
  }
  assert.deepEqual([...missing], [], 'read by the ingest view but not decoded at ingest: add them to the key lists in genai/normalize.ts');
  assert.equal(differ, 0, 'spans whose ingest view differs from their full view');
});

test('the store keeps every field of the ingest view: each span of every capture reads back from the columns as normalization made it', () => {
  const spans = captureSpans();
  const store = new TraceStore({ maxBytes: Infinity });
  const views = new Map<string, unknown>();
  for (const rec of spans) views.set(rec.traceId + rec.spanId, normalizeSpan({ name: rec.name, status: rec.status, ...rec.scan! }));
  store.addSpans(spans);
  let compared = 0, withExtra = 0;
  for (const [key, want] of views) {
    const got = store.get(key.slice(0, 32))!.spans.get(key.slice(32))!.genai;
    if (want === undefined) { assert.equal(got, undefined); continue; }
    assert.deepEqual(got, want, key);
    compared++;
    if (Object.keys(want as object).some((k) => (EXTRA_KEYS as readonly string[]).includes(k))) withExtra++;
  }
  assert.ok(compared > 100 && withExtra > 20, `${compared} views compared, ${withExtra} with fields beside the columns`);
});
