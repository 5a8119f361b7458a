// `npm run demo`: a small travel-planning agent, instrumented by hand with the OpenTelemetry JS SDK
// in the current GenAI conventions, talks to a local mock model and sends its run to the server.
import { trace, context, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import { TracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startMockModel } from './mockModel';
import { readState } from '../server/stateFile';

type Msg = { role: string; content?: string | null; tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[]; tool_call_id?: string };

const MODEL = 'gpt-4o-mini';
const SYSTEM = 'You are a travel planner. Use the tools to check weather and flights, then answer briefly.';
const TOOLS = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather forecast for a city', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } } } } },
  { type: 'function', function: { name: 'search_flights', description: 'Find flights', parameters: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' }, date: { type: 'string' } } } } },
];

/** Messages in the OTel GenAI JSON shape (role + parts). */
function toOtel(messages: Msg[]) {
  return messages.filter((m) => m.role !== 'system').map((m) => {
    if (m.role === 'tool') return { role: 'tool', parts: [{ type: 'tool_call_response', id: m.tool_call_id, response: m.content }] };
    const parts: unknown[] = [];
    if (m.content) parts.push({ type: 'text', content: m.content });
    for (const tc of m.tool_calls ?? []) parts.push({ type: 'tool_call', id: tc.id, name: tc.function.name, arguments: JSON.parse(tc.function.arguments) });
    return { role: m.role, parts };
  });
}

async function chat(baseUrl: string, messages: Msg[]): Promise<Msg> {
  const tracer = trace.getTracer('travel-agent');
  return tracer.startActiveSpan(`chat ${MODEL}`, { kind: SpanKind.CLIENT }, async (span: Span) => {
    span.setAttributes({
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': MODEL,
      'gen_ai.request.temperature': 0.2, 'server.address': '127.0.0.1',
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: SYSTEM }]),
      'gen_ai.input.messages': JSON.stringify(toOtel(messages)),
      'code.function.name': 'chat', 'code.file.path': 'src/demo/demo.ts',
    });
    const res = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages, tools: messages.some((m) => m.role === 'tool') ? undefined : TOOLS }),
    });
    const body = await res.json() as { id: string; model: string; choices: { message: Msg; finish_reason: string }[]; usage: { prompt_tokens: number; completion_tokens: number } };
    const choice = body.choices[0]!;
    span.setAttributes({
      'gen_ai.response.id': body.id, 'gen_ai.response.model': body.model,
      'gen_ai.response.finish_reasons': [choice.finish_reason],
      'gen_ai.usage.input_tokens': body.usage.prompt_tokens, 'gen_ai.usage.output_tokens': body.usage.completion_tokens,
      'gen_ai.output.messages': JSON.stringify(toOtel([choice.message]).map((m) => ({ ...m, finish_reason: choice.finish_reason }))),
    });
    span.end();
    return choice.message;
  });
}

const TOOL_IMPL: Record<string, (args: Record<string, string>) => Promise<unknown>> = {
  get_weather: async (a) => ({ city: a.city, forecast: 'sunny', high: 18, unit: a.unit ?? 'celsius' }),
  search_flights: async (a) => ({ flights: [{ flight: 'TP 541', from: a.from, to: a.to, date: a.date, price_eur: 89 }, { flight: 'FR 1234', price_eur: 112 }] }),
};

async function runTool(name: string, id: string, args: string): Promise<string> {
  const tracer = trace.getTracer('travel-agent');
  return tracer.startActiveSpan(`execute_tool ${name}`, { kind: SpanKind.INTERNAL }, async (span) => {
    span.setAttributes({
      'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.id': id,
      'gen_ai.tool.type': 'function', 'gen_ai.tool.call.arguments': args,
    });
    await new Promise((r) => setTimeout(r, 30 + Math.random() * 60));
    const result = JSON.stringify(await TOOL_IMPL[name]!(JSON.parse(args) as Record<string, string>));
    span.setAttribute('gen_ai.tool.call.result', result);
    span.end();
    return result;
  });
}

async function agentTurn(baseUrl: string, messages: Msg[]): Promise<void> {
  const tracer = trace.getTracer('travel-agent');
  await tracer.startActiveSpan('invoke_agent travel-planner', { kind: SpanKind.INTERNAL }, async (agent) => {
    agent.setAttributes({
      'gen_ai.operation.name': 'invoke_agent', 'gen_ai.provider.name': 'openai', 'gen_ai.agent.name': 'travel-planner',
      'gen_ai.agent.id': 'agent_travel_01', 'gen_ai.conversation.id': 'conv_demo_1', 'gen_ai.request.model': MODEL,
    });
    try {
      for (let step = 0; step < 4; step++) {
        const reply = await chat(baseUrl, messages);
        messages.push(reply);
        if (!reply.tool_calls?.length) break;
        const results = await Promise.all(reply.tool_calls.map((tc) => runTool(tc.function.name, tc.id, tc.function.arguments)));
        reply.tool_calls.forEach((tc, i) => messages.push({ role: 'tool', tool_call_id: tc.id, content: results[i]! }));
      }
      agent.setStatus({ code: SpanStatusCode.OK });
    } catch (e) {
      agent.recordException(e as Error);
      agent.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
    } finally {
      agent.end();
    }
  });
}

async function main(): Promise<void> {
  const state = readState();
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT
    ?? (state ? `http://${state.host === '0.0.0.0' ? '127.0.0.1' : state.host}:${state.httpPort}` : 'http://127.0.0.1:4318');
  const model = await startMockModel();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'travel-agent-demo', 'service.version': '1.0.0' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }), scheduledDelayMillis: 200 })],
  });
  trace.setGlobalTracerProvider(provider);
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

  const messages: Msg[] = [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'I want to fly from Berlin to Lisbon on Dec 4. What will the weather be and what are my options?' }];
  await agentTurn(model.url, messages);
  messages.push({ role: 'user', content: 'Great, book the cheapest one.' });
  await agentTurn(model.url, messages);

  await provider.forceFlush();
  await provider.shutdown();
  await model.close();
  process.stdout.write(`sent 2 agent runs (service travel-agent-demo) to ${endpoint}${state ? `\nopen ${state.uiUrl}` : ''}\n`);
}

main().catch((e) => { process.stderr.write(`demo failed: ${(e as Error).message}\n`); process.exit(1); });
