// One small two-turn, tool-using agent, run in its own process (instrumentations patch `openai`
// globally, so each gets a fresh process) under one instrumentation and exported with the real
// OTLP protobuf exporters to a running Agent Lens server:
//   node agentRun.js <flavour> <otlpBaseUrl> <mockModelUrl>
// flavours: otel (official @opentelemetry/instrumentation-openai, log events), openllmetry
// (@traceloop/instrumentation-openai), openinference (@arizeai/openinference-instrumentation-openai),
// vercel (`ai` 6 with experimental_telemetry: the ai.* spans), vercel-otel (`ai` 7 with
// @ai-sdk/otel's OpenTelemetry(): current gen_ai.* spans), anthropic (@anthropic-ai/sdk 0.x under
// @traceloop/instrumentation-anthropic; Anthropic messages, both calls unstreamed). The agent and tool spans around the model
// calls are written the way each ecosystem writes them (its attribute names), as an app would.
//
// The run: the user asks for a trip plan; call 1 asks for two tools (get_weather, search_flights);
// both run; call 2 (streamed, with usage) answers. Prints one JSON line: { traceId, startNs, endNs }
// (the run's first start and last end as the SDK stamped them).
import { context, logs, metrics, trace, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider, SimpleSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';

export type Flavour = 'otel' | 'openllmetry' | 'openinference' | 'vercel' | 'vercel-otel' | 'anthropic';

export const AGENT = {
  name: 'travel-agent',
  model: 'gpt-4o-mini',
  conversationId: 'conv-42',
  system: 'You are a travel planner. Use the tools, then answer in one sentence.',
  user: 'Plan a weekend in Lisbon: weather and a cheap flight from Berlin.',
  tools: [
    { name: 'get_weather', description: 'Weather forecast for a city', result: { forecast: 'sunny', high_c: 18 } },
    { name: 'search_flights', description: 'Cheapest flights between two airports', result: { flight: 'TP 541', price_eur: 89 } },
  ],
};

const toolDefs = AGENT.tools.map((t) => ({
  type: 'function' as const,
  function: { name: t.name, description: t.description, parameters: { type: 'object', properties: {}, additionalProperties: true } },
}));

interface ToolCall { id: string; function: { name: string; arguments: string } }

/** Agent and tool spans in each ecosystem's words. */
function agentAttrs(flavour: Flavour): Record<string, string> {
  if (flavour === 'openllmetry') {
    return { 'traceloop.span.kind': 'agent', 'traceloop.entity.name': AGENT.name, 'traceloop.workflow.name': AGENT.name,
      'traceloop.association.properties.session_id': AGENT.conversationId };
  }
  if (flavour === 'openinference') {
    return { 'openinference.span.kind': 'AGENT', 'agent.name': AGENT.name, 'session.id': AGENT.conversationId, 'input.value': AGENT.user };
  }
  return { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': AGENT.name, 'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': AGENT.model, 'gen_ai.conversation.id': AGENT.conversationId };
}

function toolSpan(tracer: Tracer, flavour: Flavour, call: ToolCall, result: unknown): void {
  const args = call.function.arguments;
  const out = JSON.stringify(result);
  let name: string;
  let attributes: Record<string, string>;
  if (flavour === 'openllmetry') {
    name = `${call.function.name}.tool`;
    attributes = { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': call.function.name, 'traceloop.workflow.name': AGENT.name,
      'traceloop.entity.input': JSON.stringify({ args: [], kwargs: JSON.parse(args) }), 'traceloop.entity.output': out };
  } else if (flavour === 'openinference') {
    name = call.function.name;
    attributes = { 'openinference.span.kind': 'TOOL', 'tool.name': call.function.name, 'input.value': args, 'input.mime_type': 'application/json',
      'output.value': out, 'output.mime_type': 'application/json' };
  } else {
    name = `execute_tool ${call.function.name}`;
    attributes = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': call.function.name, 'gen_ai.tool.call.id': call.id,
      'gen_ai.tool.call.arguments': args, 'gen_ai.tool.call.result': out, 'gen_ai.tool.type': 'function' };
  }
  tracer.startActiveSpan(name, { attributes }, (s: Span) => s.end());
}

async function runOpenAi(flavour: Flavour, tracer: Tracer, OpenAI: typeof import('openai').default, modelUrl: string): Promise<string> {
  const client = new OpenAI({ baseURL: modelUrl, apiKey: 'sk-test', maxRetries: 0 });
  return tracer.startActiveSpan(flavour === 'otel' ? `invoke_agent ${AGENT.name}` : AGENT.name, { attributes: agentAttrs(flavour) }, async (agent) => {
    const messages: import('openai').default.Chat.ChatCompletionMessageParam[] = [
      { role: 'system', content: AGENT.system },
      { role: 'user', content: AGENT.user },
    ];
    const first = await client.chat.completions.create({ model: AGENT.model, messages, tools: toolDefs });
    const calls = (first.choices[0]!.message.tool_calls ?? []) as ToolCall[];
    messages.push({ role: 'assistant', content: null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function' as const, function: c.function })) });
    for (const c of calls) {
      const result = AGENT.tools.find((t) => t.name === c.function.name)!.result;
      toolSpan(tracer, flavour, c, result);
      messages.push({ role: 'tool', tool_call_id: c.id, content: JSON.stringify(result) });
    }
    const stream = await client.chat.completions.create({ model: AGENT.model, messages, tools: toolDefs, stream: true, stream_options: { include_usage: true } });
    let answer = '';
    for await (const chunk of stream) answer += chunk.choices[0]?.delta?.content ?? '';
    if (flavour === 'openinference') agent.setAttribute('output.value', answer);
    if (flavour === 'openllmetry') agent.setAttribute('traceloop.entity.output', JSON.stringify(answer));
    agent.end();
    return agent.spanContext().traceId;
  });
}

async function runVercel(modelUrl: string): Promise<string> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { generateText, stepCountIs, tool } = require('ai') as typeof import('ai');
  const { createOpenAI } = require('@ai-sdk/openai') as typeof import('@ai-sdk/openai');
  const { z } = require('zod') as typeof import('zod');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const openai = createOpenAI({ baseURL: modelUrl, apiKey: 'sk-test' });
  let traceId = '';
  const tools = Object.fromEntries(AGENT.tools.map((t) => [t.name, tool({
    description: t.description,
    inputSchema: z.object({}).passthrough(),
    execute: async () => {
      traceId ||= trace.getActiveSpan()?.spanContext().traceId ?? '';
      return t.result;
    },
  })]));
  await generateText({
    model: openai.chat(AGENT.model),
    system: AGENT.system,
    prompt: AGENT.user,
    tools,
    stopWhen: stepCountIs(4),
    experimental_telemetry: { isEnabled: true, functionId: AGENT.name, metadata: { sessionId: AGENT.conversationId } },
  });
  return traceId;
}

/** ai@7 with @ai-sdk/otel: the `ai` instance is the one @ai-sdk/otel depends on (the project's own `ai` is 6). */
async function runVercelOtel(modelUrl: string): Promise<string> {
  /* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
  const otel = require('@ai-sdk/otel') as { OpenTelemetry: new () => unknown };
  const ai = require(require.resolve('ai', { paths: [require('node:path').dirname(require.resolve('@ai-sdk/otel'))] })) as any;
  const { createOpenAI } = require('ai-sdk-openai-4') as { createOpenAI: (o: object) => any };
  const { z } = require('zod') as typeof import('zod');
  /* eslint-enable @typescript-eslint/no-require-imports */
  ai.registerTelemetry(new otel.OpenTelemetry());
  const openai = createOpenAI({ baseURL: modelUrl, apiKey: 'sk-test' });
  let traceId = '';
  const tools = Object.fromEntries(AGENT.tools.map((t) => [t.name, ai.tool({
    description: t.description,
    inputSchema: z.object({}).passthrough(),
    execute: async () => {
      traceId ||= trace.getActiveSpan()?.spanContext().traceId ?? '';
      return t.result;
    },
  })]));
  await ai.generateText({
    model: openai.chat(AGENT.model), system: AGENT.system, prompt: AGENT.user, tools, stopWhen: ai.stepCountIs(4),
    telemetry: { isEnabled: true, functionId: AGENT.name, metadata: { sessionId: AGENT.conversationId } },
  });
  return traceId;
}

/** The same agent on Anthropic's SDK (messages, tool_use and tool_result blocks). */
async function runAnthropic(tracer: Tracer, Anthropic: typeof import('@anthropic-ai/sdk').default, modelUrl: string): Promise<string> {
  const client = new Anthropic({ baseURL: modelUrl, apiKey: 'sk-ant-test', maxRetries: 0 });
  const tools = AGENT.tools.map((t) => ({ name: t.name, description: t.description, input_schema: { type: 'object' as const, properties: {} } }));
  return tracer.startActiveSpan(AGENT.name, { attributes: agentAttrs('openllmetry') }, async (agent) => {
    const messages: import('@anthropic-ai/sdk').default.MessageParam[] = [{ role: 'user', content: AGENT.user }];
    const first = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 512, system: AGENT.system, messages, tools });
    const uses = first.content.filter((b): b is import('@anthropic-ai/sdk').default.ToolUseBlock => b.type === 'tool_use');
    messages.push({ role: 'assistant', content: first.content.map((b) => (b.type === 'tool_use' ? { type: 'tool_use' as const, id: b.id, name: b.name, input: b.input } : { type: 'text' as const, text: (b as { text: string }).text })) });
    const results = uses.map((u) => {
      const result = AGENT.tools.find((t) => t.name === u.name)!.result;
      toolSpan(tracer, 'openllmetry', { id: u.id, function: { name: u.name, arguments: JSON.stringify(u.input) } }, result);
      return { type: 'tool_result' as const, tool_use_id: u.id, content: JSON.stringify(result) };
    });
    messages.push({ role: 'user', content: results });
    await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 512, system: AGENT.system, messages, tools });
    agent.end();
    return agent.spanContext().traceId;
  });
}

async function main(): Promise<void> {
  const [flavour, otlp, modelUrl] = process.argv.slice(2) as [Flavour, string, string];
  // What the SDK sent, kept to report the run's own span times (a truth from outside the receiver).
  const sent = new InMemorySpanExporter();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const resource = resourceFromAttributes({ 'service.name': `agent-${flavour}` });
  const provider = new TracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlp}/v1/traces` }) }), new SimpleSpanProcessor({ exporter: sent })],
  });
  trace.setGlobalTracerProvider(provider);
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${otlp}/v1/logs` }) })],
  });
  logs.setGlobalLoggerProvider(loggerProvider);
  const tracer = trace.getTracer('travel-agent', '1.0.0');

  /* eslint-disable @typescript-eslint/no-require-imports */
  let traceId: string;
  if (flavour === 'anthropic') {
    // (The SDK's 0.x line: @traceloop/instrumentation-anthropic 0.27 patches Anthropic.Completions, which 1.x removed.)
    const Anthropic = (require('anthropic-sdk-0') as typeof import('@anthropic-ai/sdk')).default;
    const { AnthropicInstrumentation } = require('@traceloop/instrumentation-anthropic') as typeof import('@traceloop/instrumentation-anthropic');
    const i = new AnthropicInstrumentation({ traceContent: true });
    i.setTracerProvider(provider);
    i.manuallyInstrument(require('anthropic-sdk-0'));
    traceId = await runAnthropic(tracer, Anthropic, modelUrl);
  } else if (flavour === 'vercel') traceId = await runVercel(modelUrl);
  else if (flavour === 'vercel-otel') traceId = await runVercelOtel(modelUrl);
  else {
    if (flavour === 'otel') {
      const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai') as typeof import('@opentelemetry/instrumentation-openai');
      const i = new OpenAIInstrumentation({ captureMessageContent: true });
      i.setTracerProvider(provider);
      i.setLoggerProvider(loggerProvider);
      i.setMeterProvider(metrics.getMeterProvider()); // creates its metric instruments (no-op meters here)
      i.enable();
    }
    const OpenAI = (require('openai') as typeof import('openai')).default;
    if (flavour === 'openllmetry') {
      const { OpenAIInstrumentation } = require('@traceloop/instrumentation-openai') as typeof import('@traceloop/instrumentation-openai');
      const i = new OpenAIInstrumentation({ traceContent: true, enrichTokens: false });
      i.setTracerProvider(provider);
      i.manuallyInstrument(OpenAI);
    }
    if (flavour === 'openinference') {
      const { OpenAIInstrumentation } = require('@arizeai/openinference-instrumentation-openai') as typeof import('@arizeai/openinference-instrumentation-openai');
      const i = new OpenAIInstrumentation({ tracerProvider: provider });
      i.manuallyInstrument(require('openai'));
    }
    traceId = await runOpenAi(flavour, tracer, OpenAI, modelUrl);
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  await provider.forceFlush();
  await loggerProvider.forceFlush();
  const ns = (t: [number, number]) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
  const mine = sent.getFinishedSpans().filter((x) => x.spanContext().traceId === traceId);
  const startNs = mine.map((x) => ns(x.startTime)).reduce((a, b) => (b < a ? b : a)).toString();
  const endNs = mine.map((x) => ns(x.endTime)).reduce((a, b) => (b > a ? b : a)).toString();
  await provider.shutdown();
  await loggerProvider.shutdown();
  // Keep-alive sockets (the model client's, the exporters') would hold the process open.
  process.stdout.write(JSON.stringify({ traceId, startNs, endNs }) + '\n', () => process.exit(0));
}

// Run only as the script itself (tests bundle this file for AGENT, and are main modules too).
if (/agentRun\.js$/.test(process.argv[1] ?? '')) {
  main().catch((e: unknown) => {
    process.stderr.write(`agent run failed: ${(e as Error).stack}\n`);
    process.exit(1);
  });
}
