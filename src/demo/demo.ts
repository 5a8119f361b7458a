// `npm run demo`: a travel-planning agent behind an HTTP endpoint, instrumented by hand with the
// OpenTelemetry JS SDK in the current GenAI conventions, talks to a local mock model and sends two
// runs (two turns of one conversation) to the server: a memory lookup (embeddings), model calls
// that ask for tools, tools that call HTTP APIs, and a booking that fails once: the model sees the
// error and asks again, then confirms the booking by email. Each invocation is a conversation of
// its own. It says what happens as it goes; `--wait` (the editor's sample terminal) keeps the
// terminal open until a key is pressed; `--report FILE` writes what it did (its truth, for tests).
import { trace, context, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import { TracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startMockModel } from './mockModel';
import * as fs from 'node:fs';
import { readState } from '../stateFile';

type Msg = { role: string; content?: string | null; tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[]; tool_call_id?: string };

const MODEL = 'gpt-4o-mini';
const SYSTEM = 'You are a travel planner. Use the tools to check weather and flights, then answer briefly. Book only when the user asks.';
const fn = (name: string, description: string, props: string[]) =>
  ({ type: 'function', function: { name, description, parameters: { type: 'object', properties: Object.fromEntries(props.map((p) => [p, { type: 'string' }])) } } });
const PLAN_TOOLS = [fn('get_weather', 'Weather forecast for a city', ['city', 'unit']), fn('search_flights', 'Find flights', ['from', 'to', 'date'])];
const BOOK_TOOLS = [fn('book_flight', 'Book a flight', ['flight', 'date', 'passenger']), fn('send_confirmation', 'Send the booking confirmation', ['channel', 'to'])];

const tracer = () => trace.getTracer('travel-agent', '1.4.0');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stdout.write(`${line}\n`);
const short = (text: string, n = 90) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/** What the demo did, per run: the spans it marked failed and whether the step they were in got through later. */
interface RunReport { traceId: string; question: string; failed: { span: string; step: string; retriedOk: boolean }[] }
const report: RunReport[] = [];
const nameOf = (span: Span | undefined) => (span as unknown as { name?: string } | undefined)?.name ?? '';
/** Notes a span the demo marks failed, and the tool step it is in (itself, or the tool whose HTTP call it is). */
function failed(span: Span, step: Span | undefined = span): void {
  const run = report.find((r) => r.traceId === span.spanContext().traceId)!;
  run.failed.push({ span: nameOf(span), step: nameOf(step), retriedOk: false });
}

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

/** An outgoing HTTP call as HTTP instrumentation would record it. */
async function httpCall(method: string, url: string, ms: number, status = 200): Promise<void> {
  const step = trace.getActiveSpan();
  await tracer().startActiveSpan(`${method}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'url.full': url, 'server.address': new URL(url).hostname } }, async (span) => {
    await sleep(ms);
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) { span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` }); failed(span, step); }
    span.end();
  });
}

async function chat(baseUrl: string, messages: Msg[], tools: unknown[] | undefined): Promise<Msg> {
  return tracer().startActiveSpan(`chat ${MODEL}`, { kind: SpanKind.CLIENT }, async (span: Span) => {
    span.setAttributes({
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': MODEL,
      'gen_ai.request.temperature': 0.2, 'server.address': '127.0.0.1',
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: SYSTEM }]),
      'gen_ai.input.messages': JSON.stringify(toOtel(messages)),
    });
    const res = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages, tools }),
    });
    const body = await res.json() as { id: string; model: string; choices: { message: Msg; finish_reason: string }[]; usage: { prompt_tokens: number; completion_tokens: number } };
    const choice = body.choices[0]!;
    await sleep(180 + Math.random() * 200); // a model takes its time
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

let bookingAttempts = 0;
const TOOL_IMPL: Record<string, (args: Record<string, string>) => Promise<unknown>> = {
  get_weather: async (a) => {
    await httpCall('GET', `https://api.weather.example/v1/forecast?city=${a.city}`, 60);
    return { city: a.city, forecast: 'sunny', high: 18, low: 11, unit: a.unit ?? 'celsius' };
  },
  search_flights: async (a) => {
    await Promise.all([httpCall('GET', `https://api.tap.example/offers?from=${a.from}&to=${a.to}`, 120), httpCall('GET', `https://api.ryanair.example/fares?route=${a.from}-${a.to}`, 90)]);
    return { flights: [{ flight: 'TP 541', from: a.from, to: a.to, date: a.date, price_eur: 89 }, { flight: 'FR 1234', price_eur: 112 }] };
  },
  book_flight: async (a) => {
    bookingAttempts++;
    if (bookingAttempts === 1) {
      await httpCall('POST', 'https://payments.example/v2/charges', 250, 503);
      throw new Error('payment gateway timed out (HTTP 503); safe to retry');
    }
    await httpCall('POST', 'https://payments.example/v2/charges', 80);
    return { booking: 'BK-7Q2X', flight: a.flight, status: 'confirmed', price_eur: 89 };
  },
  send_confirmation: async (a) => {
    await httpCall('POST', 'https://mail.example/v3/send', 40);
    return { sent: true, to: a.to };
  },
};

/** Runs a tool; a failure goes back to the model as the tool's result (it decides to retry). */
async function runTool(name: string, id: string, args: string): Promise<string> {
  return tracer().startActiveSpan(`execute_tool ${name}`, { kind: SpanKind.INTERNAL }, async (span) => {
    span.setAttributes({
      'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.id': id,
      'gen_ai.tool.type': 'function', 'gen_ai.tool.call.arguments': args,
    });
    let result: string;
    try {
      await sleep(10 + Math.random() * 20);
      result = JSON.stringify(await TOOL_IMPL[name]!(JSON.parse(args) as Record<string, string>));
      // A later success of the same tool: what failed in it before was retried and got through.
      for (const f of report.find((r) => r.traceId === span.spanContext().traceId)!.failed) if (f.step === `execute_tool ${name}`) f.retriedOk = true;
      say(`  tool ${name} → ${short(result, 70)}`);
    } catch (e) {
      say(`  tool ${name} failed: ${(e as Error).message}`);
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      span.setAttribute('error.type', 'PaymentGatewayTimeout');
      failed(span);
      result = JSON.stringify({ error: (e as Error).message });
    }
    span.setAttribute('gen_ai.tool.call.result', result);
    span.end();
    return result;
  });
}

async function memoryLookup(query: string): Promise<void> {
  await tracer().startActiveSpan('embeddings text-embedding-3-small', { kind: SpanKind.CLIENT }, async (span) => {
    span.setAttributes({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'text-embedding-3-small',
      'gen_ai.usage.input_tokens': Math.ceil(query.length / 4), 'gen_ai.embeddings.dimension.count': 1536 });
    await sleep(45);
    span.end();
  });
}

async function agentTurn(baseUrl: string, messages: Msg[], tools: unknown[], conversationId: string): Promise<void> {
  const question = String(messages[messages.length - 1]!.content);
  say(`\nYou: ${question}`);
  await tracer().startActiveSpan('POST /api/plan', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'url.path': '/api/plan', 'http.route': '/api/plan' } }, async (server) => {
    report.push({ traceId: server.spanContext().traceId, question, failed: [] });
    await tracer().startActiveSpan('invoke_agent travel-planner', { kind: SpanKind.INTERNAL }, async (agent) => {
      agent.setAttributes({
        'gen_ai.operation.name': 'invoke_agent', 'gen_ai.provider.name': 'openai', 'gen_ai.agent.name': 'travel-planner',
        'gen_ai.agent.id': 'agent_travel_01', 'gen_ai.conversation.id': conversationId, 'gen_ai.request.model': MODEL,
      });
      try {
        await memoryLookup(question);
        for (let step = 0; step < 6; step++) {
          const reply = await chat(baseUrl, messages, tools);
          messages.push(reply);
          if (!reply.tool_calls?.length) { say(`Agent: ${reply.content ?? ''}`); break; }
          say(`  model asks for ${reply.tool_calls.map((tc) => tc.function.name).join(' and ')}`);
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
    server.setAttribute('http.response.status_code', 200);
    server.end();
  });
}

/** Until a key is pressed (the editor's sample terminal would close, and its output with it, when the demo ends). */
function waitForKey(): Promise<void> {
  if (!process.stdin.isTTY) return Promise.resolve();
  say('\nPress any key to close this terminal.');
  process.stdin.setRawMode(true);
  return new Promise((r) => process.stdin.once('data', () => { process.stdin.setRawMode(false); process.stdin.pause(); r(); }));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const reportFile = args.includes('--report') ? args[args.indexOf('--report') + 1] : undefined;
  const state = readState();
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT
    ?? (state ? `http://${state.host === '0.0.0.0' ? '127.0.0.1' : state.host}:${state.httpPort}` : 'http://127.0.0.1:4318');
  const model = await startMockModel();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'travel-agent-demo', 'service.version': '1.4.0', 'deployment.environment.name': 'dev' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }), scheduledDelayMillis: 200 })],
  });
  trace.setGlobalTracerProvider(provider);
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

  // A conversation of its own each time: two turns, not one more turn of every earlier try.
  const conversationId = `conv_demo_${Date.now().toString(36)}`;
  say(`Agent Lens sample: a travel agent (${MODEL}, answered by a local mock model) sends its runs to ${endpoint}`);
  const messages: Msg[] = [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'I want to fly from Berlin to Lisbon on Dec 4. What will the weather be and what are my options?' }];
  await agentTurn(model.url, messages, PLAN_TOOLS, conversationId);
  messages.push({ role: 'user', content: 'Great, book the cheapest one and email me the confirmation.' });
  await agentTurn(model.url, messages, BOOK_TOOLS, conversationId);

  await provider.forceFlush();
  await provider.shutdown();
  await model.close();
  if (reportFile) fs.writeFileSync(reportFile, JSON.stringify({ endpoint, conversationId, modelRequests: model.usages.length, runs: report }, null, 2));
  say(`\nSent 2 agent runs (service travel-agent-demo, conversation ${conversationId}) to ${endpoint}.`);
  say(state ? `See them in the Agent Lens Runs view, or at ${state.uiUrl}` : 'See them in the Agent Lens Runs view.');
  if (args.includes('--wait')) await waitForKey();
}

main().catch((e: unknown) => {
  // An export failure may come as an error without a message, or not as an Error at all.
  const said = e instanceof Error ? e.message || e.name : typeof e === 'object' && e ? JSON.stringify(e) : String(e);
  process.stderr.write(`demo failed: ${said}\nIs the Agent Lens receiver running? Start it with \`npm start\` (or open VS Code with the extension), then run the demo again.\n`);
  const wait = process.argv.includes('--wait') ? waitForKey() : Promise.resolve();
  void wait.then(() => process.exit(1));
});
