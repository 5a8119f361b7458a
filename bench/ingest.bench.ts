// `npm run bench`: ingest through the whole pipeline (decode, normalize, store) for protobuf and
// JSON batches of realistic GenAI spans, against references measured in the same run: protobufjs
// decoding the official OTLP definitions (decode, decode + toObject) and JSON.parse.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { trace, context } from '@opentelemetry/api';
import { TracerProvider, SimpleSpanProcessor, InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { TraceStore } from '../src/store/store';
import { Ingest } from '../src/server/ingest';
import { decodeTracesProto } from '../src/otlp/decodeProto';

// protobufjs static code generated from the official .proto files (shipped by otlp-transformer 0.215).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const root = require(path.join(__dirname, '..', 'node_modules', 'otlp-transformer-215', 'build', 'src', 'generated', 'root.js'));
const RefRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const SPANS_PER_BATCH = 512;
const BATCHES = 16;

function makeBatch(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-agent', 'service.version': '1.0.0', 'telemetry.sdk.language': 'nodejs' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  let n = 0;
  while (n < SPANS_PER_BATCH) {
    const agent = tracer.startSpan('invoke_agent planner', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', 'gen_ai.provider.name': 'openai', 'gen_ai.conversation.id': `conv_${n}` } });
    const ctx = trace.setSpan(context.active(), agent);
    n++;
    for (let step = 0; step < 3 && n < SPANS_PER_BATCH; step++) {
      const chat = tracer.startSpan('chat gpt-4o-mini', { kind: 2, attributes: {
        'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'gen_ai.response.id': `chatcmpl-${n}`, 'server.address': 'api.openai.com',
        'gen_ai.usage.input_tokens': 350 + step * 40, 'gen_ai.usage.output_tokens': 42, 'gen_ai.response.finish_reasons': ['tool_calls'],
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `Plan a trip to Lisbon for step ${step}: weather, flights and a hotel near the river, please.` }] }]),
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: `call_${n}`, name: 'get_weather', arguments: { city: 'Lisbon', unit: 'celsius' } }], finish_reason: 'tool_call' }]),
      } }, ctx);
      chat.end();
      n++;
      if (n >= SPANS_PER_BATCH) break;
      const tool = tracer.startSpan('execute_tool get_weather', { attributes: {
        'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': `call_${n}`,
        'gen_ai.tool.call.arguments': '{"city":"Lisbon","unit":"celsius"}', 'gen_ai.tool.call.result': '{"forecast":"sunny","high":18,"low":11,"wind_kmh":12}',
      } }, ctx);
      tool.end();
      n++;
    }
    agent.end();
  }
  return memory.getFinishedSpans();
}

/** Runs `fn` over the batches for ~`ms` and returns spans per second. */
function measure(batches: Buffer[], fn: (b: Buffer, round: number) => void, ms = 1500): number {
  for (let i = 0; i < 3; i++) for (const b of batches) fn(b, -1); // warm-up
  let spans = 0, round = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < ms) {
    for (const b of batches) fn(b, round);
    spans += batches.length * SPANS_PER_BATCH;
    round++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  return spans / (elapsed / 1000);
}

function main(): void {
  const batches = Array.from({ length: BATCHES }, makeBatch);
  const proto = batches.map((b) => Buffer.from(ProtobufTraceSerializer.serializeRequest(b)!));
  const json = batches.map((b) => Buffer.from(JsonTraceSerializer.serializeRequest(b)!));
  const avgBytes = proto.reduce((n, b) => n + b.length, 0) / (BATCHES * SPANS_PER_BATCH);

  const toObjectOpts = { longs: String, bytes: String, enums: Number, defaults: false };
  // A fresh store each round, so that every span is new (not a duplicate) and is normalized and stored.
  let ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined);
  let lastRound = -2;
  const fresh = (round: number) => { if (round !== lastRound) { ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined); lastRound = round; } };
  const cases: [string, Buffer[], (b: Buffer, r: number) => void][] = [
    ['refDecode', proto, (b) => RefRequest.decode(b)],
    ['refDecodeObj', proto, (b) => RefRequest.toObject(RefRequest.decode(b), toObjectOpts)],
    ['refJson', json, (b) => JSON.parse(b.toString('utf8'))],
    ['oursDecode', proto, (b) => decodeTracesProto(b)],
    ['oursProto', proto, (b, r) => { fresh(r); ingest.accept('traces', 'proto', b, false); }],
    ['oursJson', json, (b, r) => { fresh(r); ingest.accept('traces', 'json', b, false); }],
  ];
  // Three interleaved passes and the median of each: single runs swing with GC and the other core.
  const runs = new Map<string, number[]>(cases.map(([k]) => [k, []]));
  for (let pass = 0; pass < 3; pass++) for (const [k, b, fn] of cases) { lastRound = -2; runs.get(k)!.push(measure(b, fn, 1000)); }
  const med = (k: string) => runs.get(k)!.sort((a, b) => a - b)[1]!;
  const [refDecode, refDecodeObj, refJson, oursDecode, oursProto, oursJson] =
    ['refDecode', 'refDecodeObj', 'refJson', 'oursDecode', 'oursProto', 'oursJson'].map(med) as [number, number, number, number, number, number];

  // Memory: heap held per stored span.
  const gc = (globalThis as { gc?: () => void }).gc;
  let perSpan = NaN;
  if (gc) {
    ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined); // drop the last round's spans
    gc(); gc();
    const before = process.memoryUsage().heapUsed;
    const keep = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined);
    for (let i = 0; i < 8; i++) keep.accept('traces', 'proto', Buffer.from(ProtobufTraceSerializer.serializeRequest(makeBatch())!), false);
    gc(); gc();
    perSpan = (process.memoryUsage().heapUsed - before) / keep.store.spanCount;
  }

  const f = (n: number) => Math.round(n).toLocaleString('en-US').padStart(11);
  const lines = [
    `ingest benchmark (median of 3 interleaved passes): ${BATCHES} batches x ${SPANS_PER_BATCH} GenAI spans, ${avgBytes.toFixed(0)} protobuf bytes/span (node ${process.version})`,
    '',
    'reference (same run)                         spans/s',
    `  protobufjs decode                      ${f(refDecode)}`,
    `  protobufjs decode + toObject           ${f(refDecodeObj)}`,
    `  JSON.parse (OTLP/JSON)                 ${f(refJson)}`,
    'agent-lens                                    spans/s   ratio',
    `  protobuf decode only                   ${f(oursDecode)}   ${(oursDecode / refDecode).toFixed(2)} x protobufjs decode`,
    `  protobuf ingest (decode+normalize+store)${f(oursProto).slice(1)}   ${(oursProto / refDecodeObj).toFixed(2)} x protobufjs decode+toObject`,
    `  JSON ingest (decode+normalize+store)   ${f(oursJson)}   ${(oursJson / refJson).toFixed(2)} x JSON.parse alone`,
    '',
    `memory: ${Number.isNaN(perSpan) ? 'run with --expose-gc to measure' : `${Math.round(perSpan)} bytes of heap per stored span`}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** `BENCH_DUMP=DIR`: write four protobuf batches there for bench/profile-ingest.ts instead of measuring. */
function dump(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(dir, `batch${i}.pb`), ProtobufTraceSerializer.serializeRequest(makeBatch())!);
  process.stdout.write(`wrote ${dir}/batch0..3.pb\n`);
}

if (process.env.BENCH_DUMP) dump(process.env.BENCH_DUMP);
else main();
