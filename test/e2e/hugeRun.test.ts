// A run whose tree is bigger than V8's longest string (2^29 - 24 characters): 140,000 spans with
// 4,000-character names, exported by the real SDK. Built as one string, its tree threw
// "Invalid string length" and the process exited. Here it is opened through the API (the tree in
// both forms and the whole trace, read as streams) and in the browser UI, and a small run is
// exported while the big answer is being written.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { trace, context } from '@opentelemetry/api';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { spawnServer, killServers, type ServerProcess } from '../helpers/server';
import { browserSkipReason, openBrowser } from '../helpers/browser';
import { ServerClient } from '../../src/vscode/client';
import type { ServerState } from '../../src/stateFile';

after(() => killServers());

const V8_MAX_STRING = 2 ** 29 - 24;
const SPANS = 140_000;
const NAME = 4000;

/** Reads a streamed answer line by line without ever holding it whole; returns what `onLine` made of it. */
async function readLines(res: Response, onLine: (line: string) => void): Promise<number> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  let chars = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chars += value.length;
    rest += value;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) { onLine(rest.slice(0, nl)); rest = rest.slice(nl + 1); }
  }
  if (rest) onLine(rest);
  return chars;
}

async function postRun(srv: ServerProcess): Promise<{ traceId: string; names: string[] }> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'huge' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('huge');
  const root = tracer.startSpan('invoke_agent huge', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'huge' } });
  const ctx = trace.setSpan(context.active(), root);
  const pad = 'n'.repeat(NAME - 20);
  const send = async () => {
    const body = new Uint8Array(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!);
    memory.reset();
    const res = await fetch(`http://127.0.0.1:${srv.ready.httpPort}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body });
    assert.equal(res.status, 200, await res.text());
  };
  const names: string[] = [];
  for (let i = 1; i < SPANS; i++) {
    const name = `step ${String(i).padStart(6, '0')} ${pad}`;
    if (i === 1 || i === SPANS - 1) names.push(name);
    tracer.startSpan(name, { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'dig' } }, ctx).end();
    if (i % 5000 === 0) await send();
  }
  root.end();
  await send();
  return { traceId: root.spanContext().traceId, names };
}

test('a run whose tree exceeds V8\'s string limit opens through the API and the UI', { timeout: 600_000 }, async () => {
  const srv = await spawnServer(['--no-persist', '--http-port', '0', '--grpc-port', '0', '--max-memory-mb', '8192']);
  const { traceId, names } = await postRun(srv);
  const headers = { Authorization: `Bearer ${srv.ready.token}` };
  const url = (p: string) => `http://127.0.0.1:${srv.ready.httpPort}/api/traces/${traceId}${p}`;

  // The tree as one JSON document, a row a line: every row there, the first and last as sent.
  let rows = 0;
  let first = '', last = '';
  const treeRes = await fetch(url('/tree'), { headers });
  assert.equal(treeRes.status, 200);
  // Meanwhile an app exports a small run, and it is stored at once.
  const during = fetch(`http://127.0.0.1:${srv.ready.httpPort}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"resourceSpans":[]}' });
  const treeChars = await readLines(treeRes, (line) => {
    if (!line.startsWith('[')) return;
    rows++;
    const row = JSON.parse(line.replace(/,$/, '')) as [string, string, string];
    if (row[2].startsWith('step 000001 ')) first = row[2];
    if (row[2].startsWith(`step ${String(SPANS - 1).padStart(6, '0')} `)) last = row[2];
  });
  assert.equal((await during).status, 200);
  process.stdout.write(`tree: ${rows} rows, ${(treeChars / 1e6).toFixed(0)}M characters (V8's limit: ${(V8_MAX_STRING / 1e6).toFixed(0)}M)\n`);
  assert.ok(treeChars > V8_MAX_STRING, `the tree has ${treeChars} characters`);
  assert.equal(rows, SPANS);
  assert.deepEqual([first, last], names);

  // The NDJSON form: a summary line, a line per row, a rollup line.
  let ndRows = 0;
  let summary: { spanCount?: number } = {};
  await readLines(await fetch(url('/tree?stream=ndjson'), { headers }), (line) => {
    const v = JSON.parse(line);
    if (Array.isArray(v)) ndRows++; else if (v.summary) summary = v.summary;
  });
  assert.equal(ndRows, SPANS);
  assert.equal(summary.spanCount, SPANS);

  // The whole trace, a span a line.
  let spans = 0;
  const fullChars = await readLines(await fetch(url(''), { headers }), (line) => { if (line.startsWith('{"traceId"')) spans++; });
  assert.ok(fullChars > treeChars);
  assert.equal(spans, SPANS);

  // As the editor reads it for its webview: batches of rows, never one string (and never one message).
  const client = new ServerClient({ host: '127.0.0.1', httpPort: srv.ready.httpPort, grpcPort: srv.ready.grpcPort, token: srv.ready.token, pid: srv.ready.pid } as ServerState);
  const batches: number[] = [];
  let clientFirst = '';
  const rest = await client.treeRows(traceId, (batch) => {
    batches.push(batch.length);
    for (const r of batch) if (r[2].startsWith('step 000001 ')) clientFirst = r[2];
  });
  assert.equal(batches.reduce((a, b) => a + b, 0), SPANS);
  assert.ok(batches.length > 20, `${batches.length} batches`);
  assert.equal(clientFirst, names[0]);
  assert.equal(rest.summary.spanCount, SPANS);
  assert.deepEqual(rest.rows, []);

  if (!browserSkipReason()) {
    const browser = await openBrowser();
    try {
      await browser.page.goto(`http://127.0.0.1:${srv.ready.httpPort}/?token=${srv.ready.token}#/run/${traceId}`);
      await browser.page.waitForSelector('.run-view[data-ready]', { timeout: 300_000 });
      const shown = await browser.page.evaluate(() => {
        const run = (window as unknown as { agentLensRun?: { model: { nodes: Map<string, unknown> } } }).agentLensRun!;
        return { nodes: run.model.nodes.size, rows: document.querySelectorAll('.row').length };
      });
      assert.equal(shown.nodes, SPANS);
      assert.ok(shown.rows > 0);
      assert.deepEqual(browser.errors, []);
    } finally {
      await browser.close();
    }
  }
  assert.equal(srv.child.exitCode, null);
});
