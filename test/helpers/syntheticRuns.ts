// Agent runs made with the real SDK, as OTLP/protobuf request bodies, for load: memory-cap and
// restart tests and their benchmarks (bench/ imports this too).
import { trace, context } from '@opentelemetry/api';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

/** Request bodies of agent runs (an agent span, three model calls with messages, three tool calls). */
export function agentRunBodies(spans: number, runsPerBody = 64): Buffer[] {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'mem' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('mem');
  const out: Buffer[] = [];
  let sent = 0;
  while (sent < spans) {
    for (let r = 0; r < runsPerBody && sent < spans; r++) {
      const root = tracer.startSpan('invoke_agent weather', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather-bot' } });
      const ctx = trace.setSpan(context.active(), root);
      for (let i = 0; i < 3; i++) {
        tracer.startSpan('chat gpt-4o-mini', { attributes: {
          'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.usage.input_tokens': 812 + i, 'gen_ai.usage.output_tokens': 40,
          'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'What is the weather in Paris and should I bring an umbrella tomorrow? '.repeat(4) }] }]),
          'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: `call_${i}`, name: 'get_weather', arguments: { city: 'Paris' } }] }]),
        } }, ctx).end();
        tracer.startSpan('execute_tool get_weather', { attributes: {
          'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': `call_${i}`,
          'gen_ai.tool.call.arguments': '{"city":"Paris"}', 'gen_ai.tool.call.result': '{"temp":18,"rain":0.4}',
        } }, ctx).end();
      }
      root.end();
      sent += 7;
    }
    out.push(Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!));
    memory.reset();
  }
  return out;
}
