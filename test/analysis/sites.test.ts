// Call-site rollups through the API, from runs the real SDK sends with code.* attributes (as the
// capture helpers set them): per line, the calls, tokens as sent, cost from genai-prices, latency
// from the span times the test chose, errors, the newest runs, and token creep in a conversation.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { trace, context } from '@opentelemetry/api';
import { calcPrice } from '@pydantic/genai-prices';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startTestServer, api } from '../helpers/server';
import { tracerProvider } from '../helpers/otel';
import type { SiteRollup } from '../../src/protocol';

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
