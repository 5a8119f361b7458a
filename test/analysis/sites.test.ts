// Call-site rollups through the API, from runs the real SDK sends with code.* attributes (as the
// capture helpers set them): per line, the calls, tokens as sent, cost from genai-prices, latency
// from the span times the test chose, errors, the newest runs, and token creep in a conversation.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { trace, context } from '@opentelemetry/api';
import { calcPrice } from '@pydantic/genai-prices';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestServer, api, tmpDir, waitFor } from '../helpers/server';
import { startMockModel } from '../../src/demo/mockModel';
import { tracerProvider } from '../helpers/otel';
import type { SiteRollup, TraceResponse } from '../../src/protocol';

const ROOT = path.join(__dirname, '..', '..');
const HELPER = path.join(ROOT, 'dist', 'capture-node.js');
const DEMO = path.join(ROOT, 'dist', 'demo.js');
const APP = path.join(ROOT, 'dist-test', 'helpers', 'agentRun.js');

let close: (() => Promise<void>) | undefined;
after(async () => { await close?.(); });

const hr = (ns: bigint): [number, number] => [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];

test('GET /api/sites rolls the steps up per line of code', async () => {
  const server = await startTestServer({ dataDir: null });
  close = () => server.close();
  const { provider, tracer } = tracerProvider('sites', [new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
  const t0 = BigInt(Date.now() - 600_000) * 1_000_000n;
  const PLAN = { 'code.file.path': '/app/agent.py', 'code.line.number': 41, 'code.function.name': 'plan' };
  const TOOL = { 'code.filepath': '/app/tools.py', 'code.lineno': 12, 'code.function': 'issue_refund' };
  // Five model calls at agent.py:41: a conversation whose input grows 900 → 1700 → 2600, and two
  // calls of another; durations of 800, 1200, 2500, 600 and 700 ms.
  const calls = [
    { conv: 'c1', input: 900, output: 30, ms: 800n }, { conv: 'c1', input: 1700, output: 40, ms: 1200n }, { conv: 'c1', input: 2600, output: 50, ms: 2500n },
    { conv: 'c2', input: 1000, output: 20, ms: 600n }, { conv: 'c2', input: 1100, output: 25, ms: 700n },
  ];
  const traceIds: string[] = [];
  calls.forEach((c, i) => {
    const start = t0 + BigInt(i) * 10_000_000_000n;
    const root = tracer.startSpan('invoke_agent desk', { startTime: hr(start), attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'desk', 'gen_ai.conversation.id': c.conv } });
    const ctx = trace.setSpan(context.active(), root);
    tracer.startSpan('chat gpt-4o-mini', { startTime: hr(start + 1_000_000n), attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': c.input, 'gen_ai.usage.output_tokens': c.output, 'gen_ai.conversation.id': c.conv, ...PLAN } }, ctx)
      .end(hr(start + 1_000_000n + c.ms * 1_000_000n));
    if (i < 2) {
      const tool = tracer.startSpan('execute_tool issue_refund', { startTime: hr(start + 5_000_000_000n), attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'issue_refund', ...TOOL } }, ctx);
      if (i === 0) tool.setStatus({ code: 2, message: 'gateway timeout' });
      tool.end(hr(start + 5_000_000_000n + (i === 0 ? 200n : 400n) * 1_000_000n));
    }
    // A model call that says nothing of where it was made is in no site.
    tracer.startSpan('chat gpt-4o-mini', { startTime: hr(start + 6_000_000_000n), attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 5, 'gen_ai.usage.output_tokens': 5 } }, ctx)
      .end(hr(start + 6_100_000_000n));
    root.end(hr(start + 7_000_000_000n));
    traceIds.push(root.spanContext().traceId);
  });
  await provider.forceFlush();
  const get = api(server);

  const { sites } = await get<{ sites: SiteRollup[] }>('/api/sites');
  assert.deepEqual(sites.map((s) => `${s.path}:${s.line} ${s.kind} ${s.function}`), ['/app/agent.py:41 llm plan', '/app/tools.py:12 tool issue_refund']);
  const plan = sites[0]!;
  assert.equal(plan.calls, 5);
  assert.deepEqual([plan.usage.input, plan.usage.output], [900 + 1700 + 2600 + 1000 + 1100, 30 + 40 + 50 + 20 + 25]);
  assert.deepEqual([plan.medianInput, plan.medianOutput], [1100, 30]);
  const cost = calls.reduce((n, c) => n + calcPrice({ input_tokens: c.input, output_tokens: c.output }, 'gpt-4o-mini', { providerId: 'openai' })!.total_price, 0);
  assert.ok(Math.abs(plan.costUsd! - cost) < 1e-12, `${plan.costUsd} vs ${cost}`);
  assert.deepEqual([plan.p50Ms, plan.p95Ms], [800, 2500]);
  assert.deepEqual(plan.models.map((m) => [m.model, m.calls]), [['gpt-4o-mini', 5]]);
  assert.deepEqual(plan.recent.map((r) => r.traceId), traceIds.slice().reverse(), 'newest first, all five runs');
  assert.deepEqual(plan.creep, { conversationId: 'c1', turns: 3, baseline: 900, peak: 2600, peakTurn: 3, ratio: 2600 / 900, steady: true });
  const tool = sites[1]!;
  assert.deepEqual([tool.calls, tool.errors, tool.p50Ms, tool.p95Ms, tool.usage.input], [2, 1, 200, 400, 0]);
  assert.equal(tool.creep, undefined);

  // By file, as the editor asks: its own path for a file the telemetry names from elsewhere.
  assert.deepEqual((await get<{ sites: SiteRollup[] }>(`/api/sites?file=${encodeURIComponent('/home/me/shop/app/tools.py')}`)).sites.map((s) => s.line), [12]);
  assert.deepEqual((await get<{ sites: SiteRollup[] }>('/api/sites?file=agent.py')).sites.map((s) => s.line), [41]);
  // Only runs since a time: the last two.
  const since = Number((t0 + 3n * 10_000_000_000n) / 1_000_000n);
  assert.equal((await get<{ sites: SiteRollup[] }>(`/api/sites?since=${since}`)).sites[0]!.calls, 2);
  await assert.rejects(get('/api/sites?since=yesterday'), /400 .*since must be epoch milliseconds/);

  // By name, for the lenses over a tool's or an agent's definition: every run of it, located or not.
  const named = (await get<{ sites: SiteRollup[] }>('/api/sites?by=name')).sites;
  assert.deepEqual(named.map((s) => `${s.kind} ${s.name} ${s.calls} ${s.errors}`), ['agent desk 5 0', 'tool issue_refund 2 1']);
  assert.deepEqual([named[0]!.p50Ms, named[0]!.p95Ms], [7000, 7000]);
  assert.deepEqual([named[1]!.p50Ms, named[1]!.p95Ms, named[1]!.path, named[1]!.line], [200, 400, '', 0]);
  await provider.shutdown();
});

test('a tool loop within one turn is not creep at its line; a turn is a run, and creep compares the input per call turn over turn', async () => {
  const server = await startTestServer({ dataDir: null });
  try {
    const { provider, tracer } = tracerProvider('loop', [new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
    const LOOP = { 'code.file.path': '/app/loop.py', 'code.line.number': 77, 'code.function.name': 'step' };
    // Three turns of one conversation; each runs a tool loop at loop.py:77 whose input grows call by
    // call (500 → 1200 → 2000), each turn resending a little more history (per call 1233 → 1300 → 1367).
    const turns = [[500, 1200, 2000], [600, 1300, 2000], [650, 1350, 2100]];
    for (const inputs of turns) {
      const root = tracer.startSpan('invoke_agent desk', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'desk', 'gen_ai.conversation.id': 'loop-1' } });
      const ctx = trace.setSpan(context.active(), root);
      for (const input of inputs) {
        tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': 10, ...LOOP } }, ctx).end();
      }
      root.end();
    }
    await provider.forceFlush();
    await provider.shutdown();
    const site = (await api(server)<{ sites: SiteRollup[] }>('/api/sites')).sites.find((s) => s.line === 77)!;
    assert.equal(site.calls, 9);
    assert.equal(site.creep, undefined, `not creep: ${JSON.stringify(site.creep)}`);
    // A stricter rule sees the three turns, not nine calls: per call 1233, 1300, 1367.
    const strict = (await api(server)<{ sites: SiteRollup[] }>('/api/sites?creepRatio=1.05')).sites.find((s) => s.line === 77)!;
    const perCall = turns.map((t) => Math.round(t.reduce((a, b) => a + b, 0) / t.length));
    assert.deepEqual(strict.creep, { conversationId: 'loop-1', turns: 3, baseline: perCall[0], peak: perCall[2], peakTurn: 3, ratio: perCall[2]! / perCall[0]!, steady: true });
  } finally {
    await server.close();
  }
});

test('the demo under the call-site helper: its model-call line counts the calls the model received, and its tool loop is not creep', async () => {
  const server = await startTestServer({ dataDir: null });
  try {
    const report = path.join(tmpDir('al-sites-'), 'report.json');
    await promisify(execFile)(process.execPath, ['--enable-source-maps', '--require', HELPER, DEMO, '--report', report],
      { env: { ...process.env, NODE_OPTIONS: '', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${server.httpPort}` } });
    const { modelRequests } = JSON.parse(fs.readFileSync(report, 'utf8')) as { modelRequests: number };
    const sites = (await api(server)<{ sites: SiteRollup[] }>('/api/sites?file=demo.ts')).sites;
    const chat = sites.find((s) => s.kind === 'llm')!;
    assert.ok(chat, JSON.stringify(sites.map((s) => [s.line, s.kind])));
    assert.equal(chat.function, 'chat');
    assert.equal(chat.calls, modelRequests, 'the model calls the mock received');
    assert.equal(chat.creep, undefined, `the demo's tool loop is not creep: ${JSON.stringify(chat.creep)}`);
  } finally {
    await server.close();
  }
});

test('a Vercel AI SDK generateText line: the model calls the mock received, not its agent and tool spans (counted apart); per-call cost and latency are of model calls', async () => {
  const server = await startTestServer({ dataDir: null });
  const mock = await startMockModel();
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [APP, 'vercel', `http://127.0.0.1:${server.httpPort}`, mock.url],
      { env: { ...process.env, NODE_OPTIONS: `--require ${HELPER}` }, timeout: 60_000 });
    const { traceId } = JSON.parse(stdout.trim().split('\n').pop()!) as { traceId: string };
    const get = api(server);
    const t = await waitFor('the run', async () => { const r = await get<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined); return r && !r.summary.rootPending ? r : undefined; });
    const line = fs.readFileSync(APP, 'utf8').split('\n').findIndex((l) => l.includes('await generateText({')) + 1;
    const site = (await get<{ sites: SiteRollup[] }>('/api/sites?file=agentRun.js')).sites.find((s) => s.line === line);
    assert.ok(site, `a site at agentRun.js:${line}`);
    assert.equal(site.kind, 'llm');
    assert.equal(site.calls, mock.usages.length, 'the requests the mock model received');
    assert.deepEqual([site.usage.input, site.usage.output], [mock.usages.reduce((n, u) => n + u.prompt_tokens, 0), mock.usages.reduce((n, u) => n + u.completion_tokens, 0)]);
    const price = mock.usages.reduce((n, u) => n + calcPrice({ input_tokens: u.prompt_tokens, output_tokens: u.completion_tokens }, 'gpt-4o-mini', { providerId: 'openai' })!.total_price, 0);
    assert.ok(Math.abs(site.costUsd! - price) < 1e-12, `${site.costUsd} vs ${price}`);
    // Latency of model calls only: each within the model spans' own times.
    const modelMs = t.spans.filter((s) => s.genai?.kind === 'llm' && s.name !== 'ai.generateText').map((s) => Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1e6);
    assert.ok(site.p95Ms <= Math.max(...modelMs) + 1, `p95 ${site.p95Ms} within the model calls' ${modelMs}`);
    const others = Object.fromEntries((site.others ?? []).map((o) => [o.kind, o.calls]));
    assert.equal(others.tool, t.spans.filter((s) => s.genai?.kind === 'tool').length, JSON.stringify(site.others));
  } finally {
    await mock.close();
    await server.close();
  }
});
