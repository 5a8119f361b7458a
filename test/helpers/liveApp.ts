// A small agent for the live gate's tests, run in its own process with the capture helper loaded
// (NODE_OPTIONS=--require dist/capture-node.js) the way the editor starts apps:
//   node liveApp.js <otlpBaseUrl> <mockModelUrl>
// The openai SDK under the official OpenTelemetry instrumentation asks the model; the tools it
// asks for run in the app's own async functions, each inside an `execute_tool` span started with
// startActiveSpan, as apps write them. A tool that raises is answered to the model as an error, as
// agent loops do. Each tool logs `TOOL <name> <arguments>` on stdout when it runs; the last line
// is `{"traceId": …}`.
import { context, metrics, trace, type Span } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

export const LIVE_APP = {
  model: 'gpt-4o-mini',
  user: 'Plan a weekend in Lisbon: weather and a cheap flight from Berlin.',
  tools: ['get_weather', 'search_flights'],
  followUp: 'And what should I pack for it?',
};

async function main(): Promise<void> {
  const [otlp, modelUrl] = process.argv.slice(2) as [string, string];
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'live-agent' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlp}/v1/traces` }) })],
  });
  trace.setGlobalTracerProvider(provider);
  // (The instrumentation records the messages as log records: a re-run needs them. In batches, as
  // apps send them: a call's messages share a millisecond, and one request each could arrive in
  // any order.)
  const loggerProvider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'live-agent' }),
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${otlp}/v1/logs` }), scheduledDelayMillis: 100 })],
  });
  logs.setGlobalLoggerProvider(loggerProvider);
  /** Everything sent, then the run's id on the last line. */
  const finish = async (traceId: string) => {
    await provider.forceFlush().catch(() => undefined);
    await loggerProvider.forceFlush().catch(() => undefined);
    await provider.shutdown().catch(() => undefined);
    process.stdout.write(JSON.stringify({ traceId }) + '\n', () => process.exit(0));
  };
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai') as typeof import('@opentelemetry/instrumentation-openai');
  const inst = new OpenAIInstrumentation({ captureMessageContent: true });
  inst.setTracerProvider(provider);
  inst.setLoggerProvider(loggerProvider);
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
  if (process.env.LIVE_APP_SDK === 'agents') return runAgents(modelUrl);
  // (LIVE_APP_API: the same agent on OpenAI responses or on Anthropic messages; LIVE_APP_STREAM streams them too.)
  if (process.env.LIVE_APP_API === 'responses' || process.env.LIVE_APP_API === 'anthropic') {
    const traceId = await tracer.startActiveSpan('invoke_agent live-agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'live-agent' } }, async (agent) => {
      const answer = process.env.LIVE_APP_API === 'responses' ? await runResponses(client, model, runTool) : await runAnthropic(modelUrl, runTool);
      process.stdout.write(`ANSWER ${answer}\n`);
      agent.end();
      return agent.spanContext().traceId;
    });
    return finish(traceId);
  }

  const traceId = await tracer.startActiveSpan('invoke_agent live-agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'live-agent' } }, async (agent) => {
    // (LIVE_APP_DIRECT_TOOL: a tool the app runs on its own first, not asked for by the model.)
    if (process.env.LIVE_APP_DIRECT_TOOL) await runTool('get_weather', 'direct-1', JSON.stringify({ city: 'Oslo' }));
    // (LIVE_APP_USER: the app changed to ask something else.)
    const messages: import('openai').default.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: process.env.LIVE_APP_USER ?? LIVE_APP.user }];
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
    // (LIVE_APP_FOLLOW_UP: a third call, the person's next question in the same conversation.)
    if (process.env.LIVE_APP_FOLLOW_UP) {
      messages.push({ role: 'assistant', content: answer.choices[0]!.message.content ?? '' }, { role: 'user', content: LIVE_APP.followUp });
      const next = await client.chat.completions.create({ model, messages });
      process.stdout.write(`ANSWER ${next.choices[0]!.message.content ?? ''}\n`);
    }
    agent.end();
    return agent.spanContext().traceId;
  });
  return finish(traceId);
}

type RunTool = (name: string, id: string, args: string) => Promise<unknown>;
const toolResult = async (runTool: RunTool, name: string, id: string, args: string) => {
  try { return JSON.stringify(await runTool(name, id, args)); } catch (e) { return JSON.stringify({ error: (e as Error).message }); }
};

/** The agent on OpenAI responses: function_call items in, function_call_output items back (streamed: from the output_item.done events). */
async function runResponses(client: import('openai').default, model: string, runTool: RunTool): Promise<string> {
  const tools = LIVE_APP.tools.map((name) => ({ type: 'function' as const, name, description: name, parameters: { type: 'object', properties: {}, additionalProperties: true }, strict: false }));
  const input: import('openai').default.Responses.ResponseInput = [{ role: 'user', content: LIVE_APP.user }];
  for (let turn = 0; turn < 4; turn++) {
    let calls: { call_id: string; name: string; arguments: string }[] = [];
    let text = '';
    if (process.env.LIVE_APP_STREAM) {
      for await (const ev of await client.responses.create({ model, input, tools, stream: true })) {
        if (ev.type === 'response.output_item.done' && ev.item.type === 'function_call') calls.push(ev.item);
        if (ev.type === 'response.output_text.delta') text += ev.delta;
      }
    } else {
      const r = await client.responses.create({ model, input, tools });
      calls = r.output.filter((o): o is import('openai').default.Responses.ResponseFunctionToolCall => o.type === 'function_call');
      text = r.output_text;
    }
    if (!calls.length) return text;
    for (const c of calls) {
      input.push({ type: 'function_call', call_id: c.call_id, name: c.name, arguments: c.arguments });
      input.push({ type: 'function_call_output', call_id: c.call_id, output: await toolResult(runTool, c.name, c.call_id, c.arguments) });
    }
  }
  return '';
}

/** The agent on Anthropic messages: tool_use blocks in, tool_result blocks back (streamed: put together from the input_json_delta pieces). */
async function runAnthropic(modelUrl: string, runTool: RunTool): Promise<string> {
  /* eslint-disable-next-line @typescript-eslint/no-require-imports */
  const Anthropic = (require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk')).default;
  const client = new Anthropic({ baseURL: modelUrl, apiKey: 'sk-test', maxRetries: 0 });
  const tools = LIVE_APP.tools.map((name) => ({ name, description: name, input_schema: { type: 'object' as const, properties: {} } }));
  const messages: import('@anthropic-ai/sdk').default.MessageParam[] = [{ role: 'user', content: LIVE_APP.user }];
  for (let turn = 0; turn < 4; turn++) {
    let uses: { id: string; name: string; input: unknown }[] = [];
    let text = '';
    if (process.env.LIVE_APP_STREAM) {
      const parts = new Map<number, { id: string; name: string; json: string }>();
      for await (const ev of await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 512, messages, tools, stream: true })) {
        if (ev.type === 'content_block_start' && ev.content_block.type === 'tool_use') parts.set(ev.index, { id: ev.content_block.id, name: ev.content_block.name, json: '' });
        if (ev.type === 'content_block_delta' && ev.delta.type === 'input_json_delta') parts.get(ev.index)!.json += ev.delta.partial_json;
        if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
      }
      uses = [...parts.values()].map((p) => ({ id: p.id, name: p.name, input: p.json ? JSON.parse(p.json) as unknown : {} }));
    } else {
      const r = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 512, messages, tools });
      for (const b of r.content) {
        if (b.type === 'tool_use') uses.push({ id: b.id, name: b.name, input: b.input });
        if (b.type === 'text') text += b.text;
      }
    }
    if (!uses.length) return text;
    messages.push({ role: 'assistant', content: uses.map((u) => ({ type: 'tool_use' as const, id: u.id, name: u.name, input: u.input })) });
    const results = [];
    for (const u of uses) results.push({ type: 'tool_result' as const, tool_use_id: u.id, content: await toolResult(runTool, u.name, u.id, JSON.stringify(u.input)) });
    messages.push({ role: 'user', content: results });
  }
  return '';
}

/**
 * The same agent on the OpenAI Agents SDK (its Responses API model, its own openai client from
 * OPENAI_BASE_URL): its runner runs the function tools itself (their execute logs). Its own
 * tracing (to OpenAI's servers) is off: there is no internet here.
 */
async function runAgents(modelUrl: string): Promise<void> {
  process.env.OPENAI_BASE_URL = modelUrl;
  process.env.OPENAI_API_KEY = 'sk-test';
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Agent, run, tool, setTracingDisabled } = require('@openai/agents') as typeof import('@openai/agents');
  const { z } = require('zod') as typeof import('zod');
  /* eslint-enable @typescript-eslint/no-require-imports */
  setTracingDisabled(true);
  const getWeather = tool({
    name: 'get_weather', description: 'Weather forecast for a city', parameters: z.object({ city: z.string(), unit: z.string() }),
    execute: async (args) => { process.stdout.write(`TOOL get_weather ${JSON.stringify(args)}\n`); return { forecast: 'sunny', high_c: 18 }; },
  });
  const searchFlights = tool({
    name: 'search_flights', description: 'Cheapest flights', parameters: z.object({ from: z.string(), to: z.string(), date: z.string() }),
    execute: async (args) => { process.stdout.write(`TOOL search_flights ${JSON.stringify(args)}\n`); return { flight: 'TP 541', price_eur: 89 }; },
  });
  const agent = new Agent({ name: 'live-agent', instructions: 'You plan trips. Use the tools.', model: LIVE_APP.model, tools: [getWeather, searchFlights] });
  const result = await run(agent, LIVE_APP.user);
  process.stdout.write(`ANSWER ${String(result.finalOutput)}\n`, () => process.exit(0));
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
