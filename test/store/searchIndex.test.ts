// The full-text search's skip index (store/ngramFilter.ts): a Bloom filter of each request body's
// folded 3-byte sequences. It may only rule bodies out: a body that holds the query, in any case of
// its letters, is never skipped. Checked against a plain scan of the same bytes (the test's own
// loop), over seeded random bodies and queries, and through the store's search over runs the test
// made with the real SDK, with planted words whose runs the test knows; and the filters come and go
// with their bodies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NgramFilters } from '../../src/store/ngramFilter';
import { ByteQuery } from '../../src/store/byteQuery';
import { TraceStore } from '../../src/store/store';
import { Ingest } from '../../src/server/ingest';
import { agentRunBodies, longRunBodies } from '../helpers/syntheticRuns';
import { mulberry32 } from '../helpers/random';

/** Whether `hay` holds `needle`, ASCII letters matched in either case: the test's own scan. */
function holds(hay: Buffer, needle: string): boolean {
  const h = hay.toString('latin1').toLowerCase();
  return h.includes(needle.toLowerCase());
}

async function built(f: NgramFilters): Promise<void> {
  f.buildSoon();
  while (f.waiting) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 5));
}

test('a body that holds the query is never ruled out; most bodies that do not are (2,000 seeded queries over 40 bodies of 4 KB to 1 MB)', async () => {
  const rnd = mulberry32(22);
  const words = ['refund', 'Lisbon', 'get_weather', '{"city":', 'ORDER-4417', 'zanzibar', 'Step 15', 'tool_call', 'émigré', 'a'];
  // Like request bodies: words from a vocabulary of a few hundred, numbers, and random binary ids.
  const vocab = Array.from({ length: 400 }, () => Math.floor(rnd() * 36 ** 6).toString(36));
  const bodies: Buffer[] = [];
  for (let b = 0; b < 40; b++) {
    const size = 4096 + Math.floor(rnd() * (b % 5 === 0 ? 1 << 20 : 64 << 10));
    const parts: Buffer[] = [];
    let n = 0;
    while (n < size) {
      const r = rnd();
      const w = r < 0.1 ? words[Math.floor(rnd() * words.length)]! : r < 0.8 ? vocab[Math.floor(rnd() * vocab.length)]! : r < 0.9 ? String(Math.floor(rnd() * 1e5)) : '';
      const part = w ? Buffer.from(`${rnd() < 0.2 ? w.toUpperCase() : w}${rnd() < 0.5 ? ' ' : '"'}`) : Buffer.from(Array.from({ length: 8 }, () => Math.floor(rnd() * 256)));
      parts.push(part); n += part.length;
    }
    bodies.push(Buffer.concat(parts));
  }
  const f = new NgramFilters((id) => bodies[id - 1], () => undefined);
  for (let i = 1; i <= bodies.length; i++) f.added(i);
  await built(f);
  assert.equal(f.size, bodies.length);
  let absent = 0, ruledOut = 0;
  for (let k = 0; k < 2000; k++) {
    const body = bodies[Math.floor(rnd() * bodies.length)]!;
    // Half the queries are pieces of the body itself (in a case of their own), half made up.
    let query: string;
    if (rnd() < 0.5) {
      const at = Math.floor(rnd() * (body.length - 20));
      query = body.toString('latin1', at, at + 3 + Math.floor(rnd() * 12)).replace(/[^\x20-\x7e]/g, 'x');
      if (rnd() < 0.5) query = query.toUpperCase();
    } else query = `${words[Math.floor(rnd() * words.length)]}-${Math.floor(rnd() * 1e6).toString(36)}`;
    const bq = ByteQuery.of(query);
    if (!bq) continue;
    const id = bodies.indexOf(body) + 1;
    const may = f.mayContain(id, body, bq.trigrams);
    if (holds(body, query)) assert.notEqual(may, false, `"${query}" is in body ${id} but its filter ruled it out`);
    else { absent++; if (may === false) ruledOut++; }
  }
  assert.ok(absent > 500 && ruledOut / absent > 0.9, `${ruledOut} of ${absent} bodies without the query were ruled out`);
});

test('the store searches the same with and without the index (runs of the real SDK, planted words), and the index goes with its bodies', async () => {
  const ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined);
  const store = ingest.store;
  const planted = new Map<string, string>(); // word → the run it was planted in
  const runs = [1_000, 3_000, 2_000].map((steps, i) => {
    const word = ['Zanzibar', 'quokka-77', 'Ouagadougou'][i]!;
    const r = longRunBodies(steps, { prompts: new Map([[Math.floor(steps / 2) & ~1, `Step: ship it to ${word}, please.`]]) }, 500);
    planted.set(word, r.traceId);
    return r;
  });
  for (const r of runs) for (const b of r.bodies) ingest.accept('traces', 'proto', b, false);
  for (const b of agentRunBodies(5_000)) ingest.accept('traces', 'proto', b, false);
  const ask = async () => {
    const out: Record<string, string[]> = {};
    for (const q of [...planted.keys(), 'ZANZIBAR', 'quokka-78', 'ship it to', 'no such words anywhere']) {
      out[q] = (await store.listAsync({ q, limit: 10_000 })).traces.map((t) => t.traceId).sort();
    }
    return out;
  };
  const truth: Record<string, string[]> = {
    Zanzibar: [planted.get('Zanzibar')!], 'quokka-77': [planted.get('quokka-77')!], Ouagadougou: [planted.get('Ouagadougou')!],
    ZANZIBAR: [planted.get('Zanzibar')!], 'quokka-78': [], 'ship it to': [...planted.values()].sort(), 'no such words anywhere': [],
  };
  assert.equal(store.searchIndex.indexedBodies, 0, 'nothing made while ingest ran');
  assert.deepEqual(await ask(), truth, 'without the index (every body read)');
  await built(store.table.filters);
  const idx = store.searchIndex;
  assert.ok(idx.indexedBodies > 0 && idx.waitingBodies === 0 && idx.bytes > 0, JSON.stringify(idx));
  assert.deepEqual(await ask(), truth, 'with the index');
  // Where each was found: the model call the word was planted in, or the run's names.
  for (const [word, traceId] of planted) {
    const r = runs.find((x) => x.traceId === traceId)!;
    const step = r.steps.find((x) => x.prompt?.includes(word))!;
    const { hits } = await store.listAsync({ q: word.toLowerCase() });
    assert.deepEqual(hits?.[traceId], { in: 'span', spanId: step.spanId, name: 'chat gpt-4o-mini' }, word);
  }
  const byName = await store.listAsync({ q: 'long-agent', limit: 10 });
  assert.ok(byName.traces.length > 0 && byName.traces.every((t) => byName.hits?.[t.traceId]?.in === 'names'));
  // Its bytes are the store's: deleting every run lets go of every filter.
  const before = store.approxBytes;
  assert.ok(before > idx.bytes);
  for (const e of [...store.entries()]) store.remove(e.traceId);
  assert.deepEqual(store.searchIndex, { indexedBodies: 0, waitingBodies: 0, bytes: 0 });
});
