// Content stays bytes: what ingest keeps from a span's content (a run's title, a tool's argument
// preview) is a string of its own, not a cut that keeps the whole prompt or arguments alive on the
// heap, where the store's count of its bytes (and so the memory cap) does not see it.
// Size: 100 runs made with the real SDK, each with a 200 kB user message and 200 kB tool arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { trace, context } from '@opentelemetry/api';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { Ingest } from '../../src/server/ingest';
import { TraceStore } from '../../src/store/store';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };

test('a run\'s title and a tool\'s argument preview keep only themselves: 100 runs of 400 kB content add far less than that to the heap', () => {
  const RUNS = 100, BIG = 200_000;
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'big' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('big');
  const bodies: Buffer[] = [];
  const questions: string[] = [];
  let content = 0;
  for (let r = 0; r < RUNS; r++) {
    const root = tracer.startSpan('invoke_agent reader', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'reader' } });
    const ctx = trace.setSpan(context.active(), root);
    const question = `Summarize document ${r}: ${'lorem ipsum '.repeat(BIG / 12)}`;
    const args = JSON.stringify({ doc: `d${r}`, text: 'x'.repeat(BIG) });
    questions.push(question);
    content += question.length + args.length;
    tracer.startSpan('chat gpt-4o-mini', { attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: question }] }]),
    } }, ctx).end();
    tracer.startSpan('execute_tool read_doc', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'read_doc', 'gen_ai.tool.call.arguments': args } }, ctx).end();
    root.end();
    bodies.push(Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!));
    memory.reset();
  }
  questions.length = 0; // (the test's own copies go before the heap is measured)
  const before = heap();
  const ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined);
  for (const b of bodies) ingest.accept('traces', 'proto', b, false);
  const grown = heap() - before;
  // Kept: the bodies (off the heap, as buffers), the columns, a title and a preview per run. Each
  // cut that kept its source would hold 400 kB a run: 40 MB here.
  assert.ok(grown < content / 10, `the heap grew ${(grown / 1e6).toFixed(1)} MB for ${(content / 1e6).toFixed(1)} MB of content`);

  // And they are what they should be: the question's first 99 characters and an ellipsis; the
  // arguments' first 159.
  const runs = ingest.store.list({ limit: RUNS }).traces;
  assert.equal(runs.length, RUNS);
  for (const run of runs) {
    const r = /^Summarize document (\d+)/.exec(run.title ?? '')?.[1];
    assert.ok(r !== undefined, `title ${run.title}`);
    const want = `Summarize document ${r}: ${'lorem ipsum '.repeat(BIG / 12)}`.replace(/\s+/g, ' ').trim();
    assert.equal(run.title, `${want.slice(0, 99)}…`);
    const tool = [...ingest.store.get(run.traceId)!.spans.values()].find((s) => s.name === 'execute_tool read_doc')!;
    assert.equal(tool.genai?.argsPreview, `${JSON.stringify({ doc: `d${r}`, text: 'x'.repeat(BIG) }).slice(0, 159)}…`);
  }
  assert.equal(ingest.store.spanCount, RUNS * 3);
});
