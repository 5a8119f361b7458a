// What the data directory keeps, and what damage and caps cost: only what they touch. Runs made
// with the real SDK go in one request each (one record each); the truth is what the test sent and
// saw acknowledged, and where the test itself damaged the files (its own reading of the format:
// records start with the 8-byte marker, their length is at byte 12 of the header).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { trace, context } from '@opentelemetry/api';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import * as grpc from '@grpc/grpc-js';
import { startTestServer, api, tmpDir, waitFor } from '../helpers/server';
import { mulberry32 } from '../helpers/random';
import type { RunningServer } from '../../src/server/server';
import type { Feedback, TraceListResponse } from '../../src/protocol';

const open: RunningServer[] = [];
after(async () => { for (const s of open) await s.close(); });

interface Run { traceId: string; spans: number; body: Buffer }

/** Runs of an agent (an agent span, model calls with prompts of `pad` characters, tools), one request body each. */
function runs(n: number, pad = 400, service = 'durable'): Run[] {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('t');
  const out: Run[] = [];
  for (let r = 0; r < n; r++) {
    const root = tracer.startSpan(`invoke_agent desk-${r}`, { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'desk' } });
    const ctx = trace.setSpan(context.active(), root);
    for (let i = 0; i < 2; i++) {
      tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 100 + r, 'gen_ai.usage.output_tokens': 10,
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `run ${r} `.padEnd(pad, '.') }] }]) } }, ctx).end();
      tracer.startSpan('execute_tool lookup', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' } }, ctx).end();
    }
    root.end();
    const spans = memory.getFinishedSpans();
    out.push({ traceId: root.spanContext().traceId, spans: spans.length, body: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!) });
    memory.reset();
  }
  return out;
}

async function post(srv: { httpPort: number }, body: Buffer): Promise<Response> {
  return fetch(`http://127.0.0.1:${srv.httpPort}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(body) });
}

async function serve(dataDir: string, maxDiskMb = 2048): Promise<RunningServer> {
  const s = await startTestServer({ dataDir, maxDiskBytes: maxDiskMb * 1048576 });
  open.push(s);
  return s;
}

async function stop(s: RunningServer): Promise<void> {
  await s.close();
  open.splice(open.indexOf(s), 1);
}

const MARK = Buffer.from([0xa1, 0x6c, 0x5e, 0x2d, 0x41, 0x4c, 0x52, 0x32]);

/** Where each record of a segment file is, by the format's own framing: [start, end). */
function records(buf: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let pos = 0; pos < buf.length;) {
    assert.ok(buf.subarray(pos, pos + 8).equals(MARK), `a record starts at ${pos}`);
    const end = pos + 28 + buf.readUInt32LE(pos + 12);
    out.push([pos, end]);
    pos = end;
  }
  return out;
}

function segmentFiles(dataDir: string): string[] {
  const dir = path.join(dataDir, 'segments');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.alog')).sort().map((f) => path.join(dir, f));
}

function duBytes(dataDir: string): number {
  return segmentFiles(dataDir).reduce((n, f) => n + fs.statSync(f).size, 0);
}

test('damage in the stored files (seeded byte flips, a truncation, zeroed 4 KB pages) costs only the records it touched: every other run and verdict comes back, each damaged stretch is reported once and kept aside', async () => {
  for (const seed of [1, 2, 3]) {
    const rnd = mulberry32(seed);
    const dataDir = tmpDir('al-damage-');
    const sent = runs(60);
    let srv = await serve(dataDir);
    for (const r of sent) assert.equal((await post(srv, r.body)).status, 200);
    // Verdicts on a few runs: records of their own in the same log.
    const get = api(srv);
    const verdicts = new Map<string, string>();
    for (const r of sent.filter((_, i) => i % 7 === 3)) {
      const f = await get<{ feedback: Feedback }>('/api/feedback', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ traceId: r.traceId, value: 'down', comment: `seed ${seed}` }) });
      verdicts.set(r.traceId, f.feedback.id);
    }
    await stop(srv);
    // One segment holds it all, in the order it was acknowledged: the runs, then the verdicts.
    const [file] = segmentFiles(dataDir);
    const buf = fs.readFileSync(file!);
    const recs = records(buf);
    assert.equal(recs.length, sent.length + verdicts.size);
    const owner = [...sent.map((r) => r.traceId), ...verdicts.keys()];
    // The damage, drawn by the seed.
    const hits: [number, number][] = [];
    for (let k = 0; k < 3; k++) { const at = Math.floor(rnd() * buf.length); buf[at] = buf[at]! ^ (1 + Math.floor(rnd() * 255)); hits.push([at, at + 1]); }
    const page = Math.floor(rnd() * (buf.length / 4096 - 2)) * 4096;
    buf.fill(0, page, page + 4096);
    hits.push([page, page + 4096]);
    const cut = buf.length - Math.floor(rnd() * 3000) - 1;
    hits.push([cut, buf.length]);
    fs.writeFileSync(file!, buf.subarray(0, cut));
    const touched = new Set(recs.map((r, i) => (hits.some(([a, b]) => a < r[1] && b > r[0]) ? i : -1)).filter((i) => i >= 0));

    srv = await serve(dataDir);
    await srv.historyLoaded;
    const list = (await api(srv)<TraceListResponse>('/api/traces?limit=1000')).traces;
    for (const [i, r] of sent.entries()) {
      const back = list.find((t) => t.traceId === r.traceId);
      if (touched.has(i)) assert.equal(back, undefined, `seed ${seed}: run ${i} was damaged: not partly back`);
      else assert.equal(back?.spanCount, r.spans, `seed ${seed}: run ${i} was not damaged: back whole`);
    }
    for (const [traceId, id] of verdicts) {
      const i = owner.lastIndexOf(traceId);
      const runBack = !touched.has(sent.findIndex((r) => r.traceId === traceId));
      if (!runBack) continue; // feedback is kept with its run
      const kept = (await api(srv)<{ feedback: Feedback[] }>(`/api/traces/${traceId}/feedback`)).feedback;
      assert.deepEqual(kept.map((f) => f.id), touched.has(i) ? [] : [id], `seed ${seed}: verdict on ${traceId}`);
    }
    // Each damaged stretch said once, where it is; its bytes kept aside.
    const status = await api(srv)<{ disk: { damaged: { count: number; where: { file: string; offset: number; bytes: number }[] } } }>('/api/status');
    const where = status.disk.damaged.where;
    assert.ok(where.length >= 1 && where.length <= touched.size, `seed ${seed}: ${where.length} stretches for ${touched.size} damaged records`);
    // (Records wholly past the truncation are not in the file any more: nothing is there to report.)
    for (const i of touched) if (recs[i]![0] < cut) assert.ok(where.some((w) => w.offset < recs[i]![1] && w.offset + w.bytes > recs[i]![0]), `seed ${seed}: damaged record ${i} reported`);
    for (let a = 0; a < where.length; a++) for (let b = a + 1; b < where.length; b++) assert.ok(where[a]!.offset + where[a]!.bytes <= where[b]!.offset, 'reported once');
    const aside = fs.readdirSync(path.join(dataDir, 'segments', 'damaged'));
    assert.equal(aside.length, where.length);
    await stop(srv);
  }
});

test('the disk cap holds while running: the oldest whole runs go, never part of one, each drop said and counted', async () => {
  const dataDir = tmpDir('al-cap-');
  const cap = 1;
  const srv = await serve(dataDir, cap);
  const sent = runs(120, 10_000); // about 21 KB each: 2.5 MB in all against a 1 MB cap
  let peak = 0;
  for (const r of sent) {
    assert.equal((await post(srv, r.body)).status, 200);
    peak = Math.max(peak, duBytes(dataDir));
  }
  assert.ok(peak <= cap * 1048576, `the segments took ${peak} bytes at most, the cap is ${cap} MB`);
  const get = api(srv);
  const list = (await get<TraceListResponse>('/api/traces?limit=1000')).traces;
  assert.ok(list.length > 0 && list.length < sent.length);
  for (const t of list) assert.equal(t.spanCount, sent.find((r) => r.traceId === t.traceId)!.spans, 'every run kept is whole');
  // The newest are kept: those kept are the last ones sent.
  const kept = new Set(list.map((t) => t.traceId));
  const firstKept = sent.findIndex((r) => kept.has(r.traceId));
  assert.ok(sent.slice(firstKept).every((r) => kept.has(r.traceId)), 'the runs kept are the newest, without a gap');
  const st = await get<{ disk: { dropped: { segments: number; runs: number } } }>('/api/status');
  assert.ok(st.disk.dropped.segments > 0);
  assert.equal(st.disk.dropped.runs, firstKept, 'every run dropped is counted');
  // After a restart: the same runs, whole.
  await stop(srv);
  const again = await serve(dataDir, cap);
  await again.historyLoaded;
  const back = (await api(again)<TraceListResponse>('/api/traces?limit=1000')).traces;
  assert.deepEqual(back.map((t) => t.traceId).sort(), list.map((t) => t.traceId).sort());
  for (const t of back) assert.equal(t.spanCount, sent.find((r) => r.traceId === t.traceId)!.spans);
  await stop(again);
});

test('a start with a directory over the cap keeps the newest runs up to the cap, whole (it was: all 40 gone)', async () => {
  const dataDir = tmpDir('al-cap-start-');
  let srv = await serve(dataDir);
  const sent = runs(40, 140_000); // about 0.28 MB of prompts each: 11 MB, in a few segments
  for (const r of sent) assert.equal((await post(srv, r.body)).status, 200);
  await stop(srv);
  assert.ok(duBytes(dataDir) > 10 * 1048576);
  srv = await serve(dataDir, 1);
  await srv.historyLoaded;
  const list = (await api(srv)<TraceListResponse>('/api/traces?limit=1000')).traces;
  assert.ok(list.length >= 1, 'the newest runs come back');
  const kept = new Set(list.map((t) => t.traceId));
  const firstKept = sent.findIndex((r) => kept.has(r.traceId));
  assert.ok(sent.slice(firstKept).every((r) => kept.has(r.traceId)), 'the newest, without a gap');
  for (const t of list) assert.equal(t.spanCount, sent.find((r) => r.traceId === t.traceId)!.spans, 'whole');
  assert.ok(duBytes(dataDir) <= 1048576, `${duBytes(dataDir)} bytes left`);
  await stop(srv);
});

test('feedback: a torn last line in an older feedback.jsonl, then two posts, then a restart: both posts are there', async () => {
  const dataDir = tmpDir('al-fb-');
  let srv = await serve(dataDir);
  const [r] = runs(1);
  assert.equal((await post(srv, r!.body)).status, 200);
  await stop(srv);
  // As an older receiver left it: one verdict, then a crash mid-write.
  const old: Feedback = { id: 'aaaaaaaaaaaaaaaa', traceId: r!.traceId, value: 'up', source: 'api', timeUnixMs: Date.now() - 1000 };
  fs.writeFileSync(path.join(dataDir, 'feedback.jsonl'), `${JSON.stringify(old)}\n{"id":"bbbbbbbbbbbbbbbb","traceId":"${r!.traceId}","val`);
  srv = await serve(dataDir);
  await srv.historyLoaded;
  const get = api(srv);
  const posted: string[] = [];
  for (const comment of ['first after the crash', 'second after the crash']) {
    posted.push((await get<{ feedback: Feedback }>('/api/feedback', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ traceId: r!.traceId, value: 'down', comment }) })).feedback.id);
  }
  await stop(srv);
  srv = await serve(dataDir);
  await srv.historyLoaded;
  const kept = (await api(srv)<{ feedback: Feedback[]; total: number }>(`/api/traces/${r!.traceId}/feedback`));
  assert.deepEqual(kept.feedback.map((f) => f.id), [old.id, ...posted]);
  assert.equal(kept.total, 3);
  assert.ok(fs.existsSync(path.join(dataDir, 'feedback.jsonl.migrated')) && !fs.existsSync(path.join(dataDir, 'feedback.jsonl')), 'read once');
  await stop(srv);
});

test('while the history loads, a run not loaded yet is answered (waited for) or 503 with Retry-After, never 404; the list says partial until it is done', async () => {
  const dataDir = tmpDir('al-loading-');
  let srv = await serve(dataDir);
  const sent = runs(3000, 200);
  for (let i = 0; i < sent.length; i += 50) {
    // Many runs per request: a big history quickly.
    const body = Buffer.concat(sent.slice(i, i + 50).map((r) => r.body));
    assert.equal((await post(srv, body)).status, 200);
  }
  await stop(srv);
  srv = await serve(dataDir);
  const get = (p: string) => fetch(`http://127.0.0.1:${srv.httpPort}${p}`, { headers: { Authorization: `Bearer ${srv.token}` } });
  const last = sent[sent.length - 1]!.traceId;
  const listDuring = await (await get('/api/traces?limit=5')).json() as TraceListResponse;
  const statusDuring = await (await get('/api/status')).json() as { state: string };
  const answers: number[] = [];
  for (const id of [last, sent[0]!.traceId]) {
    const res = await get(`/api/traces/${id}/tree`);
    answers.push(res.status);
    if (res.status === 503) assert.ok(Number(res.headers.get('retry-after')) > 0);
    await res.arrayBuffer();
  }
  await srv.historyLoaded;
  if (statusDuring.state === 'loading') assert.equal(listDuring.partial, true, 'partial while loading');
  assert.ok(answers.every((s) => s === 200 || s === 503), `answers during loading: ${answers}`);
  const listAfter = await (await get('/api/traces?limit=5')).json() as TraceListResponse;
  assert.equal(listAfter.partial, undefined);
  assert.equal((await get(`/api/traces/${'ab'.repeat(16)}`)).status, 404, 'after loading, an unknown run is 404');
  await stop(srv);
});

test('a write the disk refuses is 503 with Retry-After over HTTP and UNAVAILABLE over gRPC, nothing kept; the server goes on serving, and takes data again once the disk does', async () => {
  const dataDir = tmpDir('al-diskerr-');
  const srv = await serve(dataDir);
  const [a, b, c] = runs(3);
  assert.equal((await post(srv, a!.body)).status, 200);
  // The segments folder deleted and a file put in its place: no segment can be made.
  fs.rmSync(path.join(dataDir, 'segments'), { recursive: true, force: true });
  fs.writeFileSync(path.join(dataDir, 'segments'), 'not a folder');
  const refused = await post(srv, b!.body);
  assert.equal(refused.status, 503, await refused.clone().text());
  assert.ok(Number(refused.headers.get('retry-after')) > 0);
  const client = grpcClient(srv.grpcPort);
  const code = await new Promise<number>((resolve) => client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (x: Buffer) => x, (x: Buffer) => x, c!.body, (err) => resolve(err?.code ?? 0)));
  client.close();
  assert.equal(code, grpc.status.UNAVAILABLE);
  const get = api(srv);
  const list = await get<TraceListResponse>('/api/traces');
  assert.deepEqual(list.traces.map((t) => t.traceId), [a!.traceId], 'what was refused was not kept; what was kept is served');
  const st = await get<{ disk: { error?: string }; counters: { storageErrors: number } }>('/api/status');
  assert.match(st.disk.error ?? '', /cannot write to .*segments/);
  assert.equal(st.counters.storageErrors, 2);
  // The disk is back: the sender's retry goes in.
  fs.rmSync(path.join(dataDir, 'segments'), { force: true });
  assert.equal((await post(srv, b!.body)).status, 200);
  await waitFor('the retried run', async () => (await get<TraceListResponse>('/api/traces')).traces.some((t) => t.traceId === b!.traceId) || undefined);
  assert.equal((await get<{ disk: { error?: string } }>('/api/status')).disk.error, undefined);
  await stop(srv);
});

function grpcClient(port: number): grpc.Client {
  return new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

test('feedback is served per run, the newest kept: 230 verdicts on one run answer the newest 100 (?limit up to the 200 held) with their total; deleting the run takes its feedback, and a restart does not bring it back; another run keeps its own', async () => {
  const dataDir = tmpDir('al-fbrun-');
  let srv = await serve(dataDir);
  const [a, b] = runs(2);
  for (const r of [a!, b!]) assert.equal((await post(srv, r.body)).status, 200);
  const get = api(srv);
  const postFb = async (traceId: string, value: 'up' | 'down', comment: string) => (await get<{ feedback: Feedback }>('/api/feedback', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ traceId, value, comment }) })).feedback.id;
  const sentA: string[] = [];
  let ups = 0;
  for (let i = 0; i < 230; i++) { const up = i % 3 === 0; if (up) ups++; sentA.push(await postFb(a!.traceId, up ? 'up' : 'down', `verdict ${i}`)); }
  const sentB = [await postFb(b!.traceId, 'up', 'b0'), await postFb(b!.traceId, 'down', 'b1'), await postFb(b!.traceId, 'down', 'b2')];
  const page = await get<{ feedback: Feedback[]; total: number }>(`/api/traces/${a!.traceId}/feedback?limit=50`);
  assert.deepEqual(page.feedback.map((f) => f.id), sentA.slice(-50));
  assert.equal(page.total, 230);
  const dflt = await get<{ feedback: Feedback[]; total: number }>(`/api/traces/${a!.traceId}/feedback`);
  assert.deepEqual(dflt.feedback.map((f) => f.id), sentA.slice(-100), 'the newest 100 by default');
  const most = await get<{ feedback: Feedback[]; total: number }>(`/api/traces/${a!.traceId}/feedback?limit=1000`);
  assert.deepEqual(most.feedback.map((f) => f.id), sentA.slice(-200), 'the newest 200 are held per run');
  assert.equal(most.total, 230);
  const summaryA = (await get<TraceListResponse>('/api/traces?limit=10')).traces.find((t) => t.traceId === a!.traceId)!;
  assert.deepEqual(summaryA.feedback, { up: ups, down: 230 - ups }, 'the counts are of every verdict');
  assert.equal((await fetch(`http://127.0.0.1:${srv.httpPort}/api/traces/${a!.traceId}`, { method: 'DELETE', headers: { Authorization: `Bearer ${srv.token}` } })).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${srv.httpPort}/api/traces/${a!.traceId}/feedback`, { headers: { Authorization: `Bearer ${srv.token}` } })).status, 404);
  await stop(srv);
  srv = await serve(dataDir);
  await srv.historyLoaded;
  assert.equal((await fetch(`http://127.0.0.1:${srv.httpPort}/api/traces/${a!.traceId}/feedback`, { headers: { Authorization: `Bearer ${srv.token}` } })).status, 404, 'still gone after a restart');
  assert.deepEqual((await api(srv)<{ feedback: Feedback[] }>(`/api/traces/${b!.traceId}/feedback`)).feedback.map((f) => f.id), sentB);
  await stop(srv);
});

test('the memory cap holds while history loads: a restart on 3x what the store may hold keeps the newest runs, whole, and stays within its budget (4,000 runs of 5 spans; budget 8 MB)', async () => {
  const dataDir = tmpDir('al-memload-');
  let srv = await serve(dataDir);
  const sent = runs(4000, 1200);
  for (let i = 0; i < sent.length; i += 50) assert.equal((await post(srv, Buffer.concat(sent.slice(i, i + 50).map((r) => r.body)))).status, 200);
  await stop(srv);
  const held = sent.reduce((n, r) => n + r.body.length, 0);
  srv = await startTestServer({ dataDir, maxMemoryBytes: 1048576 }); // the smallest budget: 8 MB
  open.push(srv);
  await srv.historyLoaded;
  const list = await api(srv)<TraceListResponse>('/api/traces?limit=100000');
  const kept = new Set(list.traces.map((t) => t.traceId));
  assert.ok(kept.size > 100 && held > 8 * 1048576, `${kept.size} runs kept of ${sent.length} (${(held / 1048576).toFixed(1)} MB of OTLP)`);
  assert.ok(kept.size < sent.length / 2, `${kept.size} runs kept: the budget was not exceeded by much`);
  const order = sent.map((r) => r.traceId);
  const first = order.findIndex((id) => kept.has(id));
  assert.deepEqual(order.slice(first).filter((id) => !kept.has(id)), [], 'every run after the oldest kept one is kept: the newest are');
  for (const t of list.traces) assert.equal(t.spanCount, 5, 'kept whole');
  const st = await api(srv)<{ spans: number; memory?: unknown }>('/api/status');
  assert.equal(st.spans, kept.size * 5);
  await stop(srv);
});
