// Call sites with zero configuration, in Node: a real app (the OpenAI SDK under the official OTel
// instrumentation, and the Vercel AI SDK) runs against the mock model with only the environment the
// extension injects (NODE_OPTIONS=--require dist/capture-node.js). Its model-call spans must carry
// the file and line of the app's own create(...) / generateText(...) call, found by reading the
// app's source text. Without OpenTelemetry the helper does nothing; when it fails, the app runs on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestServer, api, waitFor } from '../helpers/server';
import { startMockModel, type MockModel } from '../../src/demo/mockModel';
import type { RunningServer } from '../../src/server/server';
import type { TraceResponse } from '../../src/protocol';

const ROOT = path.join(__dirname, '..', '..');
const HELPER = path.join(ROOT, 'dist', 'capture-node.js');
const APP = path.join(ROOT, 'dist-test', 'helpers', 'agentRun.js');
let server: RunningServer;
let mock: MockModel;
before(async () => { server = await startTestServer({ dataDir: null }); mock = await startMockModel(); });
after(async () => { await mock.close(); await server.close(); });

/** The lines of the app's file that contain `text`, in order (1-based): the truth, from the source itself. */
function linesOf(text: string): number[] {
  return fs.readFileSync(APP, 'utf8').split('\n').flatMap((l, i) => (l.includes(text) ? [i + 1] : []));
}

async function run(flavour: string, env: NodeJS.ProcessEnv): Promise<{ traceId: string; stderr: string }> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [APP, flavour, `http://127.0.0.1:${server.httpPort}`, mock.url], { env: { ...process.env, ...env }, timeout: 60_000 });
  return { traceId: (JSON.parse(stdout.trim().split('\n').pop()!) as { traceId: string }).traceId, stderr };
}

async function llmSources(traceId: string): Promise<string[]> {
  const r = await waitFor('the run', async () => {
    const t = await api(server)<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
    return t && t.spans.filter((s) => s.genai?.kind === 'llm').length >= 2 ? t : undefined;
  });
  return r.spans.filter((s) => s.genai?.kind === 'llm' && s.genai.countsUsage)
    .sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1))
    .map((s) => { const l = s.genai!.source?.[0]; return l ? `${l.path}:${l.line} ${l.how}` : 'none'; });
}

test('OpenAI SDK + official instrumentation: each model call carries the line of its create(...) call', async () => {
  const { traceId, stderr } = await run('otel', { NODE_OPTIONS: `--require ${HELPER}` });
  const lines = linesOf('client.chat.completions.create(');
  assert.equal(lines.length, 2);
  assert.deepEqual(await llmSources(traceId), lines.map((l) => `${APP}:${l} attribute`));
  assert.equal(stderr, '');
});

test('with source maps on (tsx, ts-node, --enable-source-maps), the line is the TypeScript source\'s', async () => {
  const { traceId } = await run('otel', { NODE_OPTIONS: `--enable-source-maps --require ${HELPER}` });
  const ts = path.join(ROOT, 'test', 'helpers', 'agentRun.ts');
  const lines = fs.readFileSync(ts, 'utf8').split('\n').flatMap((l, i) => (l.includes('client.chat.completions.create(') ? [i + 1] : []));
  assert.equal(lines.length, 2);
  assert.deepEqual(await llmSources(traceId), lines.map((l) => `${ts}:${l} attribute`));
});

test('Vercel AI SDK: the model calls carry the line of the generateText(...) call, through its awaits', async () => {
  const { traceId } = await run('vercel', { NODE_OPTIONS: `--require ${HELPER}` });
  const [line] = linesOf('await generateText({');
  const got = await llmSources(traceId);
  assert.ok(got.length >= 2);
  for (const g of got) assert.equal(g, `${APP}:${line} attribute`);
  // The SDK runs the tools itself: their spans carry the same line of the app, where they ran from.
  const t = await api(server)<TraceResponse>(`/api/traces/${traceId}`);
  const tools = t.spans.filter((s) => s.genai?.kind === 'tool');
  assert.ok(tools.length >= 1);
  for (const s of tools) assert.equal(`${s.genai!.source?.[0]?.path}:${s.genai!.source?.[0]?.line}`, `${APP}:${line}`);
});

test('an ES module app (import, not require) is stamped the same, its file URL read as a path', async () => {
  // In the repository, so `import` finds the SDK in its node_modules, as an app's would.
  const app = path.join(ROOT, 'dist-test', 'capture', 'esmApp.mjs');
  const src = [
    "import { trace } from '@opentelemetry/api';",
    "import { TracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';",
    "import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';",
    'const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: process.argv[2] }) })] });',
    'trace.setGlobalTracerProvider(provider);',
    'async function ask() {',
    "  const span = trace.getTracer('esm-app').startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' } }); // CALL",
    '  span.end();',
    '  return span.spanContext().traceId;',
    '}',
    'const traceId = await ask();',
    'await provider.shutdown();',
    'console.log(JSON.stringify({ traceId }));',
  ];
  fs.writeFileSync(app, src.join('\n'));
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [app, `http://127.0.0.1:${server.httpPort}/v1/traces`], { env: { ...process.env, NODE_OPTIONS: `--require ${HELPER}` }, timeout: 60_000 });
  assert.equal(stderr, '');
  const { traceId } = JSON.parse(stdout) as { traceId: string };
  const t = await waitFor('the ESM run', () => api(server)<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined));
  const loc = t.spans[0]!.genai?.source?.[0];
  assert.deepEqual(loc && [loc.path, loc.line, loc.function], [app, src.findIndex((l) => l.endsWith('// CALL')) + 1, 'ask']);
});

test('off, or without OpenTelemetry, it does nothing; when it fails, the app runs on and it says so once', async () => {
  // Turned off: no call sites.
  const off = await run('otel', { NODE_OPTIONS: `--require ${HELPER}`, AGENT_LENS_CAPTURE: '0' });
  assert.deepEqual(await llmSources(off.traceId), ['none', 'none']);
  // An app with no OpenTelemetry at all.
  const plain = await promisify(execFile)(process.execPath, ['-e', 'console.log(JSON.stringify({ ok: 1 + 1 }))'], { env: { ...process.env, NODE_OPTIONS: `--require ${HELPER}` } });
  assert.deepEqual([plain.stdout.trim(), plain.stderr], ['{"ok":2}', '']);
  // An app whose stack machinery throws (a broken prepareStackTrace library): spans still go out.
  const breaker = path.join(path.dirname(APP), 'breakStacks.cjs');
  fs.writeFileSync(breaker, "Object.defineProperty(Error, 'stackTraceLimit', { get() { return 10; }, set() { throw new Error('frozen by a library'); } });\n");
  const broken = await run('otel', { NODE_OPTIONS: `--require ${breaker} --require ${HELPER}` });
  assert.deepEqual(await llmSources(broken.traceId), ['none', 'none']);
  assert.equal(broken.stderr.match(/agent-lens capture: .*failed/g)?.length, 1, broken.stderr);
});
