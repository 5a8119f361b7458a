// Orphans at size: 100 agent runs of 2,000 steps each (200,000 spans, from the real SDK), and five
// tool calls whose context was lost (started as roots of runs of their own while one of the agents
// ran). Each piece is placed in the run it was started during (the truth: the test started it
// there), and opening a run reads only the runs its orphans concern. (The event loop while the
// runs are read is a benchmark figure: bench/heavyRoutes.bench.ts.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { trace, context } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { spawnServer, killServers, api } from '../helpers/server';
import { tracerProvider } from '../helpers/otel';
import type { Orphan } from '../../src/protocol';

after(() => killServers());

test('100 runs of 2,000 steps and 5 orphaned tools: each orphan found in the run it was lost from', async () => {
  const { provider, memory, tracer } = tracerProvider('orphan-scale', []);
  const bodies: Buffer[] = [];
  const flush = () => { bodies.push(Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!)); memory.reset(); };
  const t0 = 1_765_000_000;
  const runs: string[] = [];
  const lost = new Map<number, { traceId: string; spanId: string }>();
  for (let r = 0; r < 100; r++) {
    // Agent r runs from t0 + 100 r seconds for 60 s: the windows do not overlap.
    const start = t0 + r * 100;
    const agent = tracer.startSpan('invoke_agent support', { startTime: [start, 0], attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support' } });
    const ctx = trace.setSpan(context.active(), agent);
    for (let i = 0; i < 1999; i++) {
      tracer.startSpan('execute_tool lookup', { startTime: [start + 1 + Math.floor(i / 40), (i % 40) * 25_000_000], attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' } }, ctx)
        .end([start + 1 + Math.floor(i / 40), (i % 40) * 25_000_000 + 10_000_000]);
    }
    if ([3, 17, 42, 77, 95].includes(r)) {
      // A tool started from a thread pool: no parent, a run of its own, 30 s into agent r.
      const orphan = tracer.startSpan('execute_tool send_email', { root: true, startTime: [start + 30, 0], attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'send_email' } });
      orphan.end([start + 31, 0]);
      lost.set(r, { traceId: orphan.spanContext().traceId, spanId: orphan.spanContext().spanId });
    }
    agent.end([start + 60, 0]);
    runs.push(agent.spanContext().traceId);
    if (memory.getFinishedSpans().length >= 10_000) flush();
  }
  flush();
  void provider.shutdown();

  const srv = await spawnServer(['--no-persist', '--http-port', '0', '--grpc-port', '0', '--max-memory-mb', '1024']);
  const get = api(srv.ready);
  for (const body of bodies) {
    const res = await fetch(`http://127.0.0.1:${srv.ready.httpPort}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(body) });
    assert.equal(res.status, 200);
  }
  const { orphans } = await get<{ orphans: Orphan[] }>('/api/orphans');

  const pieces = orphans.filter((o) => o.reason === 'piece-of-run');
  assert.equal(pieces.length, lost.size);
  for (const [r, o] of lost) {
    const found = pieces.find((p) => p.traceId === o.traceId)!;
    assert.equal(found.spanId, o.spanId);
    assert.equal(found.likely?.traceId, runs[r], `the tool lost during agent ${r} is placed in it`);
  }
  // Opening a run with a piece: its orphans and its stitched tree carry it; a run without one, nothing.
  const r42 = runs[42]!;
  const own = await get<{ orphans: Orphan[] }>(`/api/traces/${r42}/orphans`);
  assert.deepEqual(own.orphans.map((o) => o.traceId), [lost.get(42)!.traceId]);
  const stitched = await get<{ stitched: string[]; rows: unknown[] }>(`/api/traces/${r42}/stitched`);
  assert.deepEqual(stitched.stitched, [lost.get(42)!.spanId]);
  assert.equal(stitched.rows.length, 2001);
  assert.deepEqual((await get<{ orphans: Orphan[] }>(`/api/traces/${runs[5]}/orphans`)).orphans, []);
  // The same answer again (the runs' shapes are kept while they do not change).
  assert.deepEqual((await get<{ orphans: Orphan[] }>('/api/orphans')).orphans, orphans);
  srv.child.kill();
});
