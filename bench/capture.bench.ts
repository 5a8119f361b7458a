// The Node call-site helper's cost per GenAI span: the same spans started and ended by the real
// SDK in two processes, one with `--require dist/capture-node.js` and one without (the reference),
// each the median of five passes. Also a plain (non-GenAI) span, which the helper leaves alone.
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

const HELPER = path.join(__dirname, '..', 'dist', 'capture-node.js');
const N = 20_000;

/** In a child: µs per span for GenAI spans and for plain spans, started a few calls deep in "user" code. */
function measure(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { trace, context } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const memory = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] }));
  const tracer = trace.getTracer('bench');
  const attrs = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.provider.name': 'openai' };
  const inner = (genai: boolean) => tracer.startSpan(genai ? 'chat gpt-4o-mini' : 'GET /x', genai ? { attributes: attrs } : {}, context.active()).end();
  const middle = (genai: boolean) => inner(genai);
  const outer = (genai: boolean) => middle(genai);
  const run = (genai: boolean) => {
    for (let i = 0; i < 2000; i++) outer(genai); // warm up
    memory.reset();
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) { outer(genai); if (i % 1000 === 999) memory.reset(); }
    return Number(process.hrtime.bigint() - t) / 1000 / N;
  };
  const genai = run(true);
  memory.reset();
  outer(true);
  const stamped = memory.getFinishedSpans()[0]?.attributes['code.file.path'] !== undefined;
  const plain = run(false);
  process.stdout.write(JSON.stringify({ genai, plain, stamped }));
}

function main(): void {
  const pass = (withHelper: boolean) => {
    const r = JSON.parse(execFileSync(process.execPath, [...(withHelper ? ['--require', HELPER] : []), __filename], { env: { ...process.env, BENCH_CAPTURE_CHILD: '1' } }).toString()) as { genai: number; plain: number; stamped: boolean };
    // The measurement means something only if the helper stamped the spans it was given, and only those.
    if (r.stamped !== withHelper) throw new Error(`spans ${r.stamped ? 'were' : 'were not'} stamped ${withHelper ? 'with' : 'without'} the helper`);
    return r;
  };
  const runs = { off: [] as { genai: number; plain: number }[], on: [] as { genai: number; plain: number }[] };
  for (let i = 0; i < 5; i++) { runs.off.push(pass(false)); runs.on.push(pass(true)); }
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[2]!;
  const off = { genai: med(runs.off.map((r) => r.genai)), plain: med(runs.off.map((r) => r.plain)) };
  const on = { genai: med(runs.on.map((r) => r.genai)), plain: med(runs.on.map((r) => r.plain)) };
  process.stdout.write([
    `capture helper benchmark: ${N.toLocaleString('en-US')} spans started and ended with the real SDK, median of 5 passes (node ${process.version})`,
    `  GenAI span   without the helper ${off.genai.toFixed(1)} µs   with it ${on.genai.toFixed(1)} µs   (+${(on.genai - off.genai).toFixed(1)} µs, ${(on.genai / off.genai).toFixed(2)}x)`,
    `  plain span   without the helper ${off.plain.toFixed(1)} µs   with it ${on.plain.toFixed(1)} µs   (${(on.plain / off.plain).toFixed(2)}x: left alone)`,
    '',
  ].join('\n'));
}

if (process.env.BENCH_CAPTURE_CHILD) measure(); else main();
