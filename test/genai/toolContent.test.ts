// A tool step whose own span carries no content (the older OTel GenAI events generation records
// messages as log records, and many apps' tool spans carry only a name and a call id) shows the
// arguments the model asked with and the result the next model call was given, each marked as
// taken from there, instead of "content was not captured".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { trace, context, SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { startTestServer, api } from '../helpers/server';
import { tracerProvider } from '../helpers/otel';
import type { SpanDetailResponse } from '../../src/protocol';

let close: (() => Promise<void>) | undefined;
after(async () => { await close?.(); });

test('a tool step without content shows the model\'s arguments and the next call\'s tool message, marked as taken from there', async () => {
  const server = await startTestServer({ dataDir: null });
  close = () => server.close();
  const { provider, tracer } = tracerProvider('events-era', [new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
  const logs = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'events-era' }),
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/logs` }) })] });
  const logger = logs.getLogger('openai-v2');
  const event = (span: ReturnType<typeof tracer.startSpan>, eventName: string, body: Record<string, unknown>) =>
    logger.emit({ eventName, body: body as never, severityNumber: SeverityNumber.INFO, context: trace.setSpan(context.active(), span) });

  const agent = tracer.startSpan('invoke_agent weather', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather' } });
  const ctx = trace.setSpan(context.active(), agent);
  const call1 = tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.system': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 50, 'gen_ai.usage.output_tokens': 12 } }, ctx);
  event(call1, 'gen_ai.user.message', { content: 'Weather in Oslo?' });
  event(call1, 'gen_ai.choice', { index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] } });
  call1.end();
  const tool = tracer.startSpan('execute_tool get_weather', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': 'call_9' } }, ctx);
  tool.end();
  const call2 = tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.system': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 80, 'gen_ai.usage.output_tokens': 9 } }, ctx);
  event(call2, 'gen_ai.tool.message', { content: '{"temp_c": 3, "sky": "snow"}', id: 'call_9' });
  event(call2, 'gen_ai.choice', { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'It is 3 °C and snowing in Oslo.' } });
  call2.end();
  agent.end();
  await provider.forceFlush();
  await logs.forceFlush();

  const got = await api(server)<SpanDetailResponse>(`/api/traces/${agent.spanContext().traceId}/spans/${tool.spanContext().spanId}`);
  const g = got.span.genai!;
  assert.deepEqual(g.toolArguments, { city: 'Oslo' });
  assert.deepEqual(g.toolResult, { temp_c: 3, sky: 'snow' });
  assert.equal(g.contentCaptured, undefined, 'not "content was not captured"');
  assert.deepEqual(g.notes, ["arguments taken from the model's tool call (chat gpt-4o-mini)", 'result taken from the tool message the next model call was given']);
  await provider.shutdown();
  await logs.shutdown();
});
