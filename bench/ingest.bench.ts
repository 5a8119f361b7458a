// `npm run bench`: ingest through the whole pipeline (decode, normalize, store) for protobuf and
// JSON batches of realistic GenAI spans, against references measured in the same run: protobufjs
// decoding the official OTLP definitions (decode, decode + toObject) and JSON.parse.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { execFileSync } from 'node:child_process';
import { trace, context } from '@opentelemetry/api';
import { TracerProvider, SimpleSpanProcessor, InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { TraceStore } from '../src/store/store';
import { Ingest } from '../src/server/ingest';
import { decodeTracesProto } from '../src/otlp/decodeProto';
import { scanKeys } from '../src/genai/normalize';

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
        'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are a travel planner. Use the tools to check the weather, flights and hotels before you answer. Be brief.' }]),
        'gen_ai.input.messages': JSON.stringify([
          { role: 'user', parts: [{ type: 'text', content: `Plan a trip to Lisbon for step ${step}: weather, flights and a hotel near the river, please.` }] },
          { role: 'assistant', parts: [{ type: 'text', content: 'I will check the weather in Lisbon first, then look for flights from Berlin and a hotel in Alfama.' }] },
          { role: 'user', parts: [{ type: 'text', content: 'Great, and keep the hotel under 150 euros a night if you can.' }] },
        ]),
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

type CaseName = 'refDecode' | 'refDecodeObj' | 'refJson' | 'oursDecode' | 'oursProto' | 'oursJson';
const CASES: CaseName[] = ['refDecode', 'refDecodeObj', 'refJson', 'oursDecode', 'oursProto', 'oursJson'];
const PASSES = 5;

/** In a child process: measures one case over the batches in `dir` and prints spans/s. */
function runCase(name: CaseName, dir: string): void {
  const load = (ext: string) => Array.from({ length: BATCHES }, (_, i) => fs.readFileSync(path.join(dir, `batch${i}.${ext}`)));
  const proto = load('pb');
  const json = load('json');
  const toObjectOpts = { longs: String, bytes: String, enums: Number, defaults: false };
  // A fresh store each round, so that every span is new (not a duplicate) and is normalized and stored.
  let ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined);
  let lastRound = -2;
  const fresh = (round: number) => { if (round !== lastRound) { ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined); lastRound = round; } };
  const cases: Record<CaseName, [Buffer[], (b: Buffer, r: number) => void]> = {
    refDecode: [proto, (b) => RefRequest.decode(b)],
    refDecodeObj: [proto, (b) => RefRequest.toObject(RefRequest.decode(b), toObjectOpts)],
    refJson: [json, (b) => JSON.parse(b.toString('utf8'))],
    oursDecode: [proto, (b) => decodeTracesProto(b, scanKeys)],
    oursProto: [proto, (b, r) => { fresh(r); ingest.accept('traces', 'proto', b, false); }],
    oursJson: [json, (b, r) => { fresh(r); ingest.accept('traces', 'json', b, false); }],
  };
  const [batches, fn] = cases[name];
  process.stdout.write(String(measure(batches, fn, 1200)));
}

function main(): void {
  const batches = Array.from({ length: BATCHES }, makeBatch);
  const proto = batches.map((b) => Buffer.from(ProtobufTraceSerializer.serializeRequest(b)!));
  const json = batches.map((b) => Buffer.from(JsonTraceSerializer.serializeRequest(b)!));
  const avgBytes = proto.reduce((n, b) => n + b.length, 0) / (BATCHES * SPANS_PER_BATCH);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-bench-'));
  proto.forEach((b, i) => fs.writeFileSync(path.join(dir, `batch${i}.pb`), b));
  json.forEach((b, i) => fs.writeFileSync(path.join(dir, `batch${i}.json`), b));

  // Each measurement in its own process (a case's heap must not tax the next one's GC), the cases
  // interleaved, and the median of five passes: single runs swing with GC and the other core.
  const runs = new Map<CaseName, number[]>(CASES.map((k) => [k, []]));
  for (let pass = 0; pass < PASSES; pass++) {
    for (const k of CASES) {
      const out = execFileSync(process.execPath, ['--expose-gc', __filename], { env: { ...process.env, BENCH_CASE: k, BENCH_DIR: dir } });
      runs.get(k)!.push(Number(out.toString()));
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const med = (k: CaseName) => runs.get(k)!.sort((a, b) => a - b)[PASSES >> 1]!;
  const [refDecode, refDecodeObj, refJson, oursDecode, oursProto, oursJson] = CASES.map(med) as [number, number, number, number, number, number];
  const spread = (k: CaseName) => { const r = runs.get(k)!; return `±${Math.round(((r[r.length - 1]! - r[0]!) / 2 / med(k)) * 100)}%`.padStart(5); };

  // Memory: heap and buffer bytes held per stored span (the batches are built before measuring).
  const gc = (globalThis as { gc?: () => void }).gc;
  let perSpan = NaN;
  if (gc) {
    const kept = Array.from({ length: 8 }, () => Buffer.from(ProtobufTraceSerializer.serializeRequest(makeBatch())!));
    const used = () => { gc(); gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
    const before = used();
    const keep = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined);
    // Each body a copy of its own, as a request's is: what the store keeps of it counts.
    for (const b of kept) keep.accept('traces', 'proto', Buffer.from(b), false);
    perSpan = (used() - before) / keep.store.spanCount;
  }

  const f = (n: number) => Math.round(n).toLocaleString('en-US').padStart(11);
  const lines = [
    `ingest benchmark (median of ${PASSES} interleaved passes, each in its own process; ± is half the range): ${BATCHES} batches x ${SPANS_PER_BATCH} GenAI spans, ${avgBytes.toFixed(0)} protobuf bytes/span (node ${process.version})`,
    '',
    'reference (same run)                         spans/s',
    `  protobufjs decode                      ${f(refDecode)} ${spread('refDecode')}`,
    `  protobufjs decode + toObject           ${f(refDecodeObj)} ${spread('refDecodeObj')}`,
    `  JSON.parse (OTLP/JSON)                 ${f(refJson)} ${spread('refJson')}`,
    'agent-lens                                    spans/s         ratio',
    `  protobuf decode as ingest does it      ${f(oursDecode)} ${spread('oursDecode')}   ${(oursDecode / refDecode).toFixed(2)} x protobufjs decode`,
    `  protobuf ingest (decode+normalize+store)${f(oursProto).slice(1)} ${spread('oursProto')}   ${(oursProto / refDecodeObj).toFixed(2)} x protobufjs decode+toObject`,
    `  JSON ingest (decode+normalize+store)   ${f(oursJson)} ${spread('oursJson')}   ${(oursJson / refJson).toFixed(2)} x JSON.parse alone`,
    '',
    `memory: ${Number.isNaN(perSpan) ? 'run with --expose-gc to measure' : `${Math.round(perSpan)} bytes (heap and buffers) per stored span, ${avgBytes.toFixed(0)} of them its protobuf bytes: ${(perSpan / avgBytes).toFixed(2)} x the bytes held (runs of 7 spans)`}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** `BENCH_DUMP=DIR`: write four batches there (protobuf and JSON) for bench/profile-ingest.ts instead of measuring. */
function dump(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 4; i++) {
    const b = makeBatch();
    fs.writeFileSync(path.join(dir, `batch${i}.pb`), ProtobufTraceSerializer.serializeRequest(b)!);
    fs.writeFileSync(path.join(dir, `batch${i}.json`), JsonTraceSerializer.serializeRequest(b)!);
  }
  process.stdout.write(`wrote ${dir}/batch0..3.pb and .json\n`);
}

if (process.env.BENCH_CASE) runCase(process.env.BENCH_CASE as CaseName, process.env.BENCH_DIR!);
else if (process.env.BENCH_DUMP) dump(process.env.BENCH_DUMP);
else main();
