// The byte search against the plain way (decode, lower-case, includes) on seeded random text:
// ASCII of every kind, JSON escapes, and multi-byte UTF-8 (accents, CJK, emoji), queries cut from
// the text in random case and queries that are not there; found or not in each span's range of a
// shared buffer, as stored spans lie in their request body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteQuery } from '../../src/store/byteQuery';
import { mulberry32 } from '../helpers/random';
import { TraceStore } from '../../src/store/store';
import { Ingest } from '../../src/server/ingest';
import { agentRunBodies } from '../helpers/syntheticRuns';
import { tracerProvider } from '../helpers/otel';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

const ALPHABET = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "{}[]:,._-\\/\'?!', 'é', 'Ü', 'ß', '日本', '😀', '\u00e9t\u00e9'];

test('byte search agrees with decode + toLowerCase + includes on 3,000 random spans and 9,000 queries', () => {
  const rnd = mulberry32(20261207);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  for (let t = 0; t < 3000; t++) {
    const spans = Array.from({ length: 3 }, () => Array.from({ length: 5 + Math.floor(rnd() * 200) }, () => pick(ALPHABET)).join(''));
    const bufs = spans.map((s) => Buffer.from(s, 'utf8'));
    const body = Buffer.concat(bufs);
    const target = Math.floor(rnd() * 3);
    const text = spans[target]!;
    const start = bufs.slice(0, target).reduce((n, b) => n + b.length, 0);
    const end = start + bufs[target]!.length;
    for (let k = 0; k < 3; k++) {
      let q: string;
      if (k === 0) { const a = Math.floor(rnd() * text.length); q = text.slice(a, a + 1 + Math.floor(rnd() * 8)); }
      else if (k === 1) q = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(ALPHABET.slice(0, 62))).join('');
      else q = spans[(target + 1) % 3]!.slice(0, 6);
      q = [...q].map((c) => (rnd() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
      const lower = q.toLowerCase();
      const bq = ByteQuery.of(lower);
      const expected = text.toLowerCase().includes(lower);
      if (!bq) { assert.ok(!/^[\x20-\x7e]+$/.test(lower) || lower === ''); continue; }
      assert.equal(bq.in(body, start, end), expected, `span ${JSON.stringify(text)} query ${JSON.stringify(q)}`);
    }
  }
});

test('the store-wide search finds the runs whose spans contain the text, in shared request bodies, after runs left them, with JSON spans too', async () => {
  const ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined);
  // 6,300 spans of agent runs, 64 runs a request body: every body is shared by many runs.
  for (const b of agentRunBodies(6300)) ingest.accept('traces', 'proto', Buffer.from(b), false);
  // Runs whose spans carry markers, as protobuf and as JSON.
  const { provider, memory, tracer } = tracerProvider('markers', []);
  const marked = new Map<string, string>();
  for (const [i, word] of ['Zanzibar-Ferry', 'QUOKKA_42', 'xylophone', 'naïve café'].entries()) {
    const s = tracer.startSpan(`tool ${i}`, { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'note', 'gen_ai.tool.call.arguments': JSON.stringify({ text: `about ${word} today` }) } });
    s.end();
    marked.set(word, s.spanContext().traceId);
    // A run of its own in the same request body, that stays.
    tracer.startSpan(`tool ${i} neighbour`, { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'neighbour' } }).end();
    const spans = memory.getFinishedSpans();
    if (i % 2 === 0) ingest.accept('traces', 'proto', Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!), false);
    else ingest.accept('traces', 'json', Buffer.from(JsonTraceSerializer.serializeRequest(spans)!), false);
    memory.reset();
  }
  void provider.shutdown();
  const store = ingest.store;
  // A marked run that leaves: its bytes stay in the body it shares with its neighbour, but it is not found.
  const gone = marked.get('xylophone')!;
  store.remove(gone);
  const oracle = (q: string) => [...store.entries()].filter((e) => [...e.spans.values()].some((s) =>
    (s.name + (Buffer.isBuffer(s.detail) ? s.detail.toString('utf8') : JSON.stringify(s.detail))).toLowerCase().includes(q))).map((e) => e.traceId).sort();
  for (const q of ['zanzibar-ferry', 'quokka_42', 'café', 'naïve', 'xylophone', 'umbrella tomorrow', 'weather-bot', 'no such words']) {
    const got = (await store.listAsync({ q, limit: 10_000 }, 0)).traces.map((t) => t.traceId).sort();
    assert.deepEqual(got, oracle(q), q);
  }
  assert.deepEqual((await store.listAsync({ q: 'zanzibar-ferry' })).traces.map((t) => t.traceId), [marked.get('Zanzibar-Ferry')]);
  assert.equal((await store.listAsync({ q: 'xylophone' })).total, 0, 'a run that left is not found in the bytes it left behind');
  assert.ok((await store.listAsync({ q: 'umbrella tomorrow', limit: 10_000 })).total >= 900, 'every agent run asks about an umbrella');
});
