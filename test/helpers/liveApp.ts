// A small agent for the live gate's tests, run in its own process with the capture helper loaded
// (NODE_OPTIONS=--require dist/capture-node.js) the way the editor starts apps:
//   node liveApp.js <otlpBaseUrl> <mockModelUrl>
// The openai SDK under the official OpenTelemetry instrumentation asks the model; the tools it
// asks for run in the app's own async functions, each inside an `execute_tool` span started with
// startActiveSpan, as apps write them. A tool that raises is answered to the model as an error, as
// agent loops do. Each tool logs `TOOL <name> <arguments>` on stdout when it runs; the last line
// is `{"traceId": …}`.
import { context, metrics, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

export const LIVE_APP = {
  model: 'gpt-4o-mini',
  user: 'Plan a weekend in Lisbon: weather and a cheap flight from Berlin.',
  tools: ['get_weather', 'search_flights'],
};

async function main(): Promise<void> {
  const [otlp, modelUrl] = process.argv.slice(2) as [string, string];
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'live-agent' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlp}/v1/traces` }) })],
  });
  trace.setGlobalTracerProvider(provider);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai') as typeof import('@opentelemetry/instrumentation-openai');
  const inst = new OpenAIInstrumentation({ captureMessageContent: true });
  inst.setTracerProvider(provider);
  inst.setMeterProvider(metrics.getMeterProvider()); // (its metric instruments: streamed answers record to them)
  inst.enable();
  const OpenAI = (require('openai') as typeof import('openai')).default;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const client = new OpenAI({ baseURL: modelUrl, apiKey: 'sk-test', maxRetries: 0 });
  // (LIVE_APP_MODEL: the model asked for; the mock answers "no-such-model" with 404, as OpenAI does.)
  const model = process.env.LIVE_APP_MODEL ?? LIVE_APP.model;
  const tracer = trace.getTracer('live-agent');
  const failedOnce = new Set<string>();
  const tools = LIVE_APP.tools.map((name) => ({ type: 'function' as const, function: { name, description: name, parameters: { type: 'object', properties: {}, additionalProperties: true } } }));

  const runTool = (name: string, id: string, args: string) => tracer.startActiveSpan(`execute_tool ${name}`, {
    attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.id': id, 'gen_ai.tool.call.arguments': args },
  }, async (span: Span) => {
    // (LIVE_APP_FAIL_TOOL: that tool raises the first time it runs.)
    if (process.env.LIVE_APP_FAIL_TOOL === name && !failedOnce.has(name)) {
      failedOnce.add(name);
      const e = new Error(`${name}: the weather service timed out`);
      span.recordException(e);
      span.setStatus({ code: 2, message: e.message });
      span.end();
      throw e;
    }
    process.stdout.write(`TOOL ${name} ${args}\n`);
    const result = name === 'get_weather' ? { forecast: 'sunny', high_c: 18 } : { flight: 'TP 541', price_eur: 89 };
    span.setAttribute('gen_ai.tool.call.result', JSON.stringify(result));
    span.end();
    return result;
  });

  if (process.env.LIVE_APP_SDK === 'vercel') return runVercel(provider, modelUrl);

  const traceId = await tracer.startActiveSpan('invoke_agent live-agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'live-agent' } }, async (agent) => {
    // (LIVE_APP_DIRECT_TOOL: a tool the app runs on its own first, not asked for by the model.)
    if (process.env.LIVE_APP_DIRECT_TOOL) await runTool('get_weather', 'direct-1', JSON.stringify({ city: 'Oslo' }));
    const messages: import('openai').default.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: LIVE_APP.user }];
    let calls: import('openai').default.Chat.ChatCompletionMessageToolCall[];
    if (process.env.LIVE_APP_STREAM) {
      // (LIVE_APP_STREAM: the first answer streamed, its tool calls put together from the pieces.)
      const byIndex = new Map<number, { id: string; type: 'function'; function: { name: string; arguments: string } }>();
      for await (const chunk of await client.chat.completions.create({ model, messages, tools, stream: true })) {
        for (const d of chunk.choices[0]?.delta?.tool_calls ?? []) {
          const c = byIndex.get(d.index) ?? { id: '', type: 'function' as const, function: { name: '', arguments: '' } };
          byIndex.set(d.index, c);
          if (d.id) c.id = d.id;
          if (d.function?.name) c.function.name += d.function.name;
          if (d.function?.arguments) c.function.arguments += d.function.arguments;
        }
      }
      calls = [...byIndex.values()];
    } else {
      const first = await client.chat.completions.create({ model, messages, tools });
      calls = first.choices[0]!.message.tool_calls ?? [];
    }
    messages.push({ role: 'assistant', content: null, tool_calls: calls });
    for (const c of calls) {
      if (c.type !== 'function') continue;
      let content: string;
      try { content = JSON.stringify(await runTool(c.function.name, c.id, c.function.arguments)); } catch (e) { content = JSON.stringify({ error: (e as Error).message }); }
      messages.push({ role: 'tool', tool_call_id: c.id, content });
    }
    const answer = await client.chat.completions.create({ model, messages, tools });
    process.stdout.write(`ANSWER ${answer.choices[0]!.message.content ?? ''}\n`);
    agent.end();
    return agent.spanContext().traceId;
  });
  await provider.forceFlush().catch(() => undefined);
  await provider.shutdown().catch(() => undefined);
  process.stdout.write(JSON.stringify({ traceId }) + '\n', () => process.exit(0));
}

/** The same agent on the Vercel AI SDK: generateText runs the tools itself (their execute logs). */
async function runVercel(provider: TracerProvider, modelUrl: string): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { generateText, stepCountIs, tool } = require('ai') as typeof import('ai');
  const { createOpenAI } = require('@ai-sdk/openai') as typeof import('@ai-sdk/openai');
  const { z } = require('zod') as typeof import('zod');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const openai = createOpenAI({ baseURL: modelUrl, apiKey: 'sk-test' });
  let traceId = '';
  const tools = Object.fromEntries(LIVE_APP.tools.map((name) => [name, tool({
    description: name,
    inputSchema: z.object({}).passthrough(),
    execute: async (args: unknown) => {
      traceId ||= trace.getActiveSpan()?.spanContext().traceId ?? '';
      process.stdout.write(`TOOL ${name} ${JSON.stringify(args)}\n`);
      return name === 'get_weather' ? { forecast: 'sunny', high_c: 18 } : { flight: 'TP 541', price_eur: 89 };
    },
  })]));
  const answer = await generateText({ model: openai.chat(LIVE_APP.model), prompt: LIVE_APP.user, tools, stopWhen: stepCountIs(4), experimental_telemetry: { isEnabled: true, functionId: 'live-agent' } });
  process.stdout.write(`ANSWER ${answer.text}\n`);
  await provider.forceFlush().catch(() => undefined);
  await provider.shutdown().catch(() => undefined);
  process.stdout.write(JSON.stringify({ traceId }) + '\n', () => process.exit(0));
}

if (/liveApp\.js$/.test(process.argv[1] ?? '')) {
  main().catch((e: unknown) => {
    process.stderr.write(`live app failed: ${(e as Error).stack}\n`);
    process.exit(1);
  });
}
