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

/** What a long run is made of: its steps as the diff should see them, and the request bodies that carry it. */
export interface LongRun {
  traceId: string;
  /** Its steps in start order: span id, what the step is (kind and name), and a model call's prompt. */
  steps: { spanId: string; key: string; prompt?: string }[];
  bodies: Buffer[];
}

export interface LongRunEdit {
  /** Logical steps left out of this run. */
  remove?: ReadonlySet<number>;
  /** After these logical steps, a tool step no other run has (`tool audit_log`). */
  insertAfter?: ReadonlySet<number>;
  /** Model calls whose prompt is this run's own (logical step → prompt text). */
  prompts?: ReadonlyMap<number, string>;
}

const TOOLS = ['search_orders', 'fetch_invoice', 'send_email'];

/**
 * One agent run of `steps` steps made with the real SDK (model calls and tools taking turns, 50 ms
 * apart from 2025-12-06 on, so a 100k-step run lasts 83 minutes and its times cross 2^32 ns
 * boundaries), as OTLP/protobuf bodies of `perBody` spans. Two runs made with the same `steps`
 * and different edits differ exactly by the edits.
 */
export function longRunBodies(steps: number, edit: LongRunEdit = {}, perBody = 5000): LongRun {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'long-agent' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('long');
  const t0 = 1_765_000_000;
  const at = (k: number): [number, number] => [t0 + Math.floor(k / 20), (k % 20) * 50_000_000 + 1234];
  const root = tracer.startSpan('invoke_agent support', { startTime: at(0), attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support' } });
  const ctx = trace.setSpan(context.active(), root);
  const out: LongRun = { traceId: root.spanContext().traceId, steps: [], bodies: [] };
  const flush = () => { out.bodies.push(Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!)); memory.reset(); };
  let clock = 1;
  const step = (name: string, key: string, attributes: Record<string, string | number>, prompt?: string) => {
    const s = tracer.startSpan(name, { startTime: at(clock), attributes }, ctx);
    s.end(at(clock + 1));
    clock += 2;
    out.steps.push({ spanId: s.spanContext().spanId, key, ...(prompt !== undefined ? { prompt } : {}) });
    if (memory.getFinishedSpans().length >= perBody) flush();
  };
  for (let i = 0; i < steps; i++) {
    if (!edit.remove?.has(i)) {
      if (i % 2 === 0) {
        const prompt = edit.prompts?.get(i) ?? `Step ${i}: find the customer's last order and say what is late.`;
        step('chat gpt-4o-mini', 'llm:gpt-4o-mini', {
          'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.usage.input_tokens': 200 + (i % 50), 'gen_ai.usage.output_tokens': 20,
          'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: prompt }] }]),
          'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: `Done with step ${i}.` }] }]),
        }, prompt);
      } else {
        const tool = TOOLS[i % TOOLS.length]!;
        step(`execute_tool ${tool}`, `tool:${tool}`, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool, 'gen_ai.tool.call.arguments': `{"step":${i}}` });
      }
    }
    if (edit.insertAfter?.has(i)) step('execute_tool audit_log', 'tool:audit_log', { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'audit_log', 'gen_ai.tool.call.arguments': `{"after":${i}}` });
  }
  root.end(at(clock));
  flush();
  return out;
}
