// The OTel 1.26 generation (span events, no operation attribute), randomized: agent runs sent with
// the real OpenTelemetry JS SDK, their attributes drawn by a seeded generator the way that
// generation's instrumentations wrote them (an agent named in its span name or in
// gen_ai.agent.name or both, a model named on the agent span or not, content in
// gen_ai.content.* span events or none, a tool named only in its span name). The truth is what the
// generator drew; the API must read each step as that kind with that name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace, context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startTestServer, api } from '../helpers/server';
import { tracerProvider } from '../helpers/otel';
import { mulberry32 } from '../helpers/random';
import type { TraceResponse } from '../../src/protocol';

const SEED = Number(process.env.AGENT_LENS_SEED ?? 1026);

test(`OTel 1.26 runs, randomized (seed ${SEED}): agents, model calls and tools read as what they are, with their names`, async () => {
  const rnd = mulberry32(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const server = await startTestServer({ dataDir: null });
  try {
    const { provider, tracer } = tracerProvider('gen-1.26', [new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
    const cases: { traceId: string; agent: string; model: string; tool: string; prompt: number; completion: number }[] = [];
    for (let i = 0; i < 40; i++) {
      const agent = `${pick(['planner', 'support-desk', 'travel agent', 'résumé-bot'])}-${i}`;
      const model = pick(['gpt-3.5-turbo', 'gpt-4o', 'claude-3-haiku-20240307']);
      const tool = pick(['lookup_order', 'get_weather', 'search']);
      const namedBy = pick(['span name', 'attribute', 'both'] as const);
      const attrs: Record<string, string | number> = { 'gen_ai.system': pick(['openai', 'anthropic']) };
      if (namedBy !== 'span name') attrs['gen_ai.agent.name'] = agent;
      if (rnd() < 0.5) attrs['gen_ai.request.model'] = model; // the model the agent uses, named on its span
      const root = tracer.startSpan(namedBy === 'attribute' ? agent : `invoke_agent ${agent}`, { attributes: attrs });
      if (rnd() < 0.5) root.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': JSON.stringify([{ role: 'user', content: `task ${i}` }]) });
      const ctx = trace.setSpan(context.active(), root);
      const prompt = 10 + Math.floor(rnd() * 1000), completion = 1 + Math.floor(rnd() * 200);
      const chat = tracer.startSpan(`chat ${model}`, { attributes: { 'gen_ai.system': attrs['gen_ai.system']!, 'gen_ai.request.model': model,
        'gen_ai.usage.prompt_tokens': prompt, 'gen_ai.usage.completion_tokens': completion } }, ctx);
      if (rnd() < 0.7) {
        chat.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': JSON.stringify([{ role: 'user', content: `task ${i}` }]) });
        chat.addEvent('gen_ai.content.completion', { 'gen_ai.completion': JSON.stringify([{ role: 'assistant', content: `done ${i}` }]) });
      }
      chat.end();
      tracer.startSpan(`execute_tool ${tool}`, { attributes: { 'gen_ai.system': attrs['gen_ai.system']! } }, ctx).end();
      root.end();
      await provider.forceFlush(); // one run at a time: the exporter takes a few requests at once
      cases.push({ traceId: root.spanContext().traceId, agent, model, tool, prompt, completion });
    }
    await provider.forceFlush();
    await provider.shutdown();
    const get = api(server);
    for (const c of cases) {
      const t = await get<TraceResponse>(`/api/traces/${c.traceId}`);
      const root = t.spans.find((s) => !s.parentSpanId)!;
      assert.deepEqual([root.genai?.kind, root.genai?.agentName], ['agent', c.agent], `${root.name} ${JSON.stringify(root.attributes)}`);
      const chat = t.spans.find((s) => s.name.startsWith('chat '))!;
      assert.equal(chat.genai?.kind, 'llm');
      assert.deepEqual([chat.genai?.usage?.input, chat.genai?.usage?.output], [c.prompt, c.completion]);
      const tool = t.spans.find((s) => s.name.startsWith('execute_tool '))!;
      assert.deepEqual([tool.genai?.kind, tool.genai?.toolName], ['tool', c.tool]);
      assert.deepEqual(t.summary.agentNames, [c.agent]);
      assert.deepEqual([t.summary.usage.input, t.summary.llmCalls], [c.prompt, 1], 'the agent span is not a model call');
    }
  } finally {
    await server.close();
  }
});
