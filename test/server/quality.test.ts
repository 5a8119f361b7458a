// Quality signals: evaluation results in both carriers the conventions allow (a span event on the
// judged step; a log record in its context, or naming only the response it judged), sent with the
// real JS SDK; feedback through POST /api/feedback, refused with a clear 4xx and nothing kept when
// wrong, and kept across a kill -9 and a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, ROOT_CONTEXT } from '@opentelemetry/api';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startTestServer, spawnServer, api, tmpDir, waitFor } from '../helpers/server';
import { tracerProvider } from '../helpers/otel';
import type { Feedback, SpanDetailResponse, TraceListResponse, TraceResponse } from '../../src/protocol';

async function judgedRun(httpPort: number): Promise<{ traceId: string; spanId: string }> {
  const { provider, tracer } = tracerProvider('judged', [new OTLPTraceExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces` })]);
  const logs = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `http://127.0.0.1:${httpPort}/v1/logs` }) })] });
  const logger = logs.getLogger('evaluator');
  const agent = tracer.startSpan('invoke_agent desk', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'desk' } });
  const llm = tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.id': 'chatcmpl-judged-1', 'gen_ai.usage.input_tokens': 120, 'gen_ai.usage.output_tokens': 30 } }, trace.setSpan(context.active(), agent));
  // 1. A span event on the step.
  llm.addEvent('gen_ai.evaluation.result', { 'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.value': 0.2,
    'gen_ai.evaluation.score.label': 'irrelevant', 'gen_ai.evaluation.explanation': 'answers a different question' });
  llm.end();
  agent.end();
  // 2. A log record in the step's context.
  logger.emit({ eventName: 'gen_ai.evaluation.result', context: trace.setSpan(ROOT_CONTEXT, llm),
    attributes: { 'gen_ai.evaluation.name': 'faithfulness', 'gen_ai.evaluation.score.value': 0.9, 'gen_ai.evaluation.score.label': 'pass' } });
  await provider.forceFlush();
  // 3. An evaluator elsewhere: no trace context, only the response it judged.
  logger.emit({ eventName: 'gen_ai.evaluation.result', context: ROOT_CONTEXT,
    attributes: { 'gen_ai.evaluation.name': 'toxicity', 'gen_ai.evaluation.score.value': 0.97, 'gen_ai.evaluation.score.label': 'toxic', 'gen_ai.response.id': 'chatcmpl-judged-1' } });
  await logs.forceFlush();
  await Promise.all([provider.shutdown(), logs.shutdown()]);
  return { traceId: agent.spanContext().traceId, spanId: llm.spanContext().spanId };
}

test('evaluation results as span events and as log records (by span, or by response id) show on the step and roll up to the run', async () => {
  const server = await startTestServer({ dataDir: null });
  try {
    const { traceId, spanId } = await judgedRun(server.httpPort);
    const get = api(server);
    const d = await waitFor('three evaluations', async () => {
      const x = await get<SpanDetailResponse>(`/api/traces/${traceId}/spans/${spanId}`);
      return (x.span.genai?.evaluations?.length ?? 0) >= 3 ? x : undefined;
    });
    const ev = Object.fromEntries(d.span.genai!.evaluations!.map((e) => [e.name, e]));
    assert.deepEqual(ev.relevance, { name: 'relevance', carrier: 'event', failed: true, scoreValue: 0.2, scoreLabel: 'irrelevant', explanation: 'answers a different question' });
    assert.deepEqual(ev.faithfulness, { name: 'faithfulness', carrier: 'log', failed: false, scoreValue: 0.9, scoreLabel: 'pass' });
    assert.deepEqual(ev.toxicity, { name: 'toxicity', carrier: 'log', failed: true, scoreValue: 0.97, scoreLabel: 'toxic', responseId: 'chatcmpl-judged-1' });
    // The whole run carries them too, and the run's summary counts them.
    const t = await get<TraceResponse>(`/api/traces/${traceId}`);
    assert.equal(t.spans.find((s) => s.spanId === spanId)!.genai!.evaluations!.length, 3);
    assert.deepEqual(t.summary.evaluations, { count: 3, failed: 2 });
  } finally {
    await server.close();
  }
});

test('feedback: kept with the run and its step, counted in its summary; bad input is a clear 4xx and keeps nothing', async () => {
  const server = await startTestServer({ dataDir: null });
  try {
    const { traceId, spanId } = await judgedRun(server.httpPort);
    const get = api(server);
    const post = (body: unknown) => get<{ feedback: Feedback }>('/api/feedback', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    await post({ traceId, value: 'up' });
    await post({ traceId, spanId, value: 'down', comment: 'booked the wrong date', user: 'u-17' });
    await post({ traceId: traceId.toUpperCase(), value: 0.2 });
    for (const [body, want] of [
      [{ traceId: 'f'.repeat(32), value: 'up' }, /404 .*no trace f{32}: feedback is kept with a run the receiver has/],
      [{ traceId, spanId: 'e'.repeat(16), value: 'up' }, /404 .*no span e{16}/],
      [{ traceId, value: 'great' }, /400 .*value must be .*up.*down.* or a number from 0 to 1 \(got .*great/],
      [{ traceId, value: 7 }, /400 .*value must be/],
      [{ traceId, value: 'up', comment: 'x'.repeat(4001) }, /400 .*comment is longer than 4000 characters/],
      [{ traceId: 'nope', value: 'up' }, /400 .*traceId must be 32 hexadecimal digits/],
      ['{"traceId": ', /400 .*the body is not JSON/],
      [[1, 2], /400 .*the body must be a JSON object/],
      [{ traceId, value: 'up', replaces: 'xyz' }, /400 .*replaces, when given, must be the id of earlier feedback/],
      [{ traceId, value: 'up', replaces: '0123456789abcdef' }, /404 .*no feedback 0123456789abcdef on this run to replace/],
    ] as const) await assert.rejects(post(body), want, JSON.stringify(body).slice(0, 80));
    // A verdict on the step may not replace one on the run.
    const onRun = (await get<{ feedback: Feedback[] }>(`/api/traces/${traceId}/feedback`)).feedback[0]!;
    await assert.rejects(post({ traceId, spanId, value: 'up', replaces: onRun.id }), /404 .*on this step to replace/);
    const kept = (await get<{ feedback: Feedback[] }>(`/api/traces/${traceId}/feedback`)).feedback;
    assert.deepEqual(kept.map((f) => [f.value, f.spanId, f.comment, f.source]), [['up', undefined, undefined, 'api'], ['down', spanId, 'booked the wrong date', 'api'], [0.2, undefined, undefined, 'api']]);
    const list = await get<TraceListResponse>('/api/traces');
    assert.deepEqual(list.traces.find((x) => x.traceId === traceId)!.feedback, { up: 1, down: 2 });
  } finally {
    await server.close();
  }
});

test('feedback survives a kill -9 and a restart', async () => {
  const dataDir = tmpDir();
  const env = { AGENT_LENS_STATE_DIR: tmpDir() };
  const args = ['--http-port', '0', '--grpc-port', '0', '--data-dir', dataDir];
  let p = await spawnServer(args, env);
  let get = api({ httpPort: p.ready.httpPort, token: p.ready.token });
  const { traceId, spanId } = await judgedRun(p.ready.httpPort);
  await waitFor('the run', () => get<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined));
  const first = await get<{ feedback: Feedback }>('/api/feedback', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ traceId, spanId, value: 'up' }) });
  // The thumb changed and a comment added: it takes the first one's place, after a restart too.
  const sent = await get<{ feedback: Feedback }>('/api/feedback', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ traceId, spanId, value: 'down', comment: 'wrong city', replaces: first.feedback.id }) });
  assert.deepEqual((await get<{ feedback: Feedback[] }>(`/api/traces/${traceId}/feedback`)).feedback, [sent.feedback]);
  // Answered, so on disk: killed at once, nothing to flush.
  p.child.kill('SIGKILL');
  await p.exited;
  p = await spawnServer(args, env);
  get = api({ httpPort: p.ready.httpPort, token: p.ready.token });
  await waitFor('history', async () => !(await get<{ history: { loading: boolean } }>('/api/status')).history.loading);
  assert.deepEqual((await get<{ feedback: Feedback[] }>(`/api/traces/${traceId}/feedback`)).feedback, [sent.feedback]);
  assert.deepEqual((await get<TraceResponse>(`/api/traces/${traceId}`)).summary.feedback, { up: 0, down: 1 });
  p.child.kill('SIGTERM');
  await p.exited;
});
