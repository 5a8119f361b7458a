// A run planted to kill the server: tool arguments nested 10,000 deep (in the tool span and in the
// model's tool call). It is opened through every API route and in the browser UI, the server is
// killed (-9) and started again on the same data, and the run is opened again: every answer is
// 200, the value is cut at the depth limit with a note, and the server lives throughout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { trace, context as otelContext } from '@opentelemetry/api';
import { TracerProvider, SimpleSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { spawnServer, killServers, tmpDir, waitFor, type ServerProcess } from '../helpers/server';
import { browserSkipReason, openBrowser } from '../helpers/browser';
import type { GenAiView, TraceListResponse } from '../../src/protocol';

const DEPTH = 10_000;
const deepJson = (depth: number) => '{"a":'.repeat(depth) + '"bottom"' + '}'.repeat(depth);
after(() => killServers());

function deepRunBody(): { body: Buffer; traceId: string; toolSpanId: string; llmSpanId: string } {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'deep-run' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('deep');
  const agent = tracer.startSpan('invoke_agent planter', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planter' } });
  const ctx = trace.setSpan(otelContext.active(), agent);
  const llm = tracer.startSpan('chat gpt-4o-mini', { attributes: {
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 7,
    'gen_ai.output.messages': `[{"role":"assistant","parts":[{"type":"tool_call","id":"call_deep","name":"dig","arguments":${deepJson(DEPTH)}}],"finish_reason":"tool_calls"}]`,
  } }, ctx);
  llm.end();
  const tool = tracer.startSpan('execute_tool dig', { attributes: {
    'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'dig', 'gen_ai.tool.call.id': 'call_deep',
    'gen_ai.tool.call.arguments': deepJson(DEPTH), 'gen_ai.tool.call.result': '"done"',
  } }, ctx);
  tool.end();
  agent.end();
  return {
    body: Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!),
    traceId: agent.spanContext().traceId, toolSpanId: tool.spanContext().spanId, llmSpanId: llm.spanContext().spanId,
  };
}

/** How many `{"a": …}` levels the value keeps before the cut, and what stands at the cut. */
function levels(v: unknown): { depth: number; end: unknown } {
  let depth = 0;
  while (v && typeof v === 'object' && 'a' in v) { v = (v as { a: unknown }).a; depth++; }
  return { depth, end: v };
}

async function openEveryRoute(srv: ServerProcess, run: ReturnType<typeof deepRunBody>): Promise<void> {
  const get = async (p: string) => {
    const res = await fetch(`http://127.0.0.1:${srv.ready.httpPort}${p}`, { headers: { Authorization: `Bearer ${srv.ready.token}` } });
    const text = await res.text();
    assert.equal(res.status, 200, `${p}: ${text.slice(0, 300)}`);
    return text;
  };
  const base = `/api/traces/${run.traceId}`;
  const list = JSON.parse(await get('/api/traces')) as TraceListResponse;
  assert.ok(list.traces.some((t) => t.traceId === run.traceId));
  assert.equal(JSON.parse(await get(`${base}/tree`)).rows.length, 3);
  assert.equal((await get(`${base}/tree?stream=ndjson`)).trim().split('\n').length, 5); // summary, 3 rows, byModel
  const full = JSON.parse(await get(base)) as { spans: { spanId: string; genai?: GenAiView }[] };
  const tool = JSON.parse(await get(`${base}/spans/${run.toolSpanId}`)).span.genai as GenAiView;
  const llm = JSON.parse(await get(`${base}/spans/${run.llmSpanId}`)).span.genai as GenAiView;
  assert.deepEqual(JSON.parse(await get(`${base}/search?q=bottom`)).spanIds.sort(), [run.llmSpanId, run.toolSpanId].sort());
  // The parsed value keeps 64 levels of objects and says where it was cut; the raw attribute (in
  // `attributes`) keeps the whole text.
  const cut = { depth: 64, end: '… nested deeper than 64 levels: cut here (the raw attribute has it all)' };
  assert.deepEqual(levels(tool.toolArguments), cut);
  assert.deepEqual(levels(full.spans.find((s) => s.spanId === run.toolSpanId)!.genai!.toolArguments), cut);
  const call = llm.outputMessages![0]!.parts[0] as { arguments: unknown };
  // Four levels fewer: the message list, the message, its parts and the part sit above the arguments.
  assert.equal(levels(call.arguments).depth, 60);
  assert.match(String(levels(call.arguments).end), /nested deeper than 64 levels/);
  assert.equal(srv.child.exitCode, null);
}

async function openInUi(srv: ServerProcess, run: ReturnType<typeof deepRunBody>): Promise<void> {
  const browser = await openBrowser();
  try {
    const { page, errors } = browser;
    await page.goto(`http://127.0.0.1:${srv.ready.httpPort}/?token=${srv.ready.token}#/run/${run.traceId}/${run.toolSpanId}`);
    await page.waitForSelector(`.detail[data-loaded="${run.toolSpanId}"]`);
    // Unfold the arguments level by level until the cut shows.
    await page.waitForFunction(() => {
      document.querySelectorAll<HTMLDetailsElement>('.detail details:not([open])').forEach((d) => { d.open = true; });
      return document.querySelector('.detail')!.textContent!.includes('nested deeper than 64 levels');
    }, undefined, { timeout: 20_000, polling: 50 });
    await page.click(`.row[data-id="${run.llmSpanId}"]`);
    await page.waitForSelector(`.detail[data-loaded="${run.llmSpanId}"]`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
}

test('a run with JSON nested 10,000 deep opens through every route and the UI, before and after a kill -9', async () => {
  const run = deepRunBody();
  const dataDir = tmpDir();
  const first = await spawnServer(['--data-dir', dataDir, '--http-port', '0', '--grpc-port', '0']);
  const res = await fetch(`http://127.0.0.1:${first.ready.httpPort}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(run.body) });
  assert.equal(res.status, 200);
  await openEveryRoute(first, run);
  if (!browserSkipReason()) await openInUi(first, run);

  first.child.kill('SIGKILL');
  await first.exited;
  const second = await spawnServer(['--data-dir', dataDir, '--http-port', '0', '--grpc-port', '0']);
  await waitFor('the run back from disk', async () => {
    const r = await fetch(`http://127.0.0.1:${second.ready.httpPort}/api/traces/${run.traceId}/tree`, { headers: { Authorization: `Bearer ${second.ready.token}` } });
    return r.status === 200 || undefined;
  });
  await openEveryRoute(second, run);
  if (!browserSkipReason()) await openInUi(second, run);
  assert.equal(second.child.exitCode, null);
});
