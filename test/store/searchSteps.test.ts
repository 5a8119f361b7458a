// Search a slice at a time: the run list's full-text search and find-in-run give the event loop a
// turn while they read a run of 20,000 steps (the real SDK), so spans arrive and other searches run
// meanwhile. Each answer is right for what it read, and a later search sees everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceStore } from '../../src/store/store';
import { Ingest } from '../../src/server/ingest';
import { matchingSpans } from '../../src/store/search';
import { longRunBodies } from '../helpers/syntheticRuns';

test('searches of a 20,000-step run that interleave with each other and with new spans answer right, and later searches see everything', async () => {
  const ingest = new Ingest(new TraceStore({ maxBytes: Infinity }), undefined);
  const run = longRunBodies(20_000, { prompts: new Map([[15_000, 'Step 15000: where is my parcel? Zanzibar.']]) }, 2000);
  const [first, ...rest] = run.bodies;
  ingest.accept('traces', 'proto', first!, false);
  const store = ingest.store;
  // Two searches at once over what is there, and the rest of the run arriving while they read.
  const a = store.listAsync({ q: 'zanzibar' }, 0);
  const b = store.listAsync({ q: 'step 4: find' }, 0);
  for (const body of rest) { ingest.accept('traces', 'proto', body, false); await new Promise((r) => setImmediate(r)); }
  const [ra, rb] = await Promise.all([a, b]);
  assert.equal(rb.total, 1, 'step 4 came in the first request');
  assert.ok(ra.total <= 1);
  // Once everything is there: the step that came last is found, by the list and in the run.
  assert.equal((await store.listAsync({ q: 'zanzibar' })).total, 1);
  assert.deepEqual(await matchingSpans(store.get(run.traceId)!, 'zanzibar'), [run.steps[15_000]!.spanId]);
  // A term in every model call's prompt: every one of them, once (none read twice into the text).
  const calls = run.steps.filter((s) => s.prompt?.includes("find the customer's last order")).map((s) => s.spanId);
  assert.equal(calls.length, 9_999, 'every model call but the one asked about Zanzibar');
  assert.deepEqual((await matchingSpans(store.get(run.traceId)!, "find the customer's last order", 0)).sort(), calls.sort());
  assert.equal((await store.listAsync({ q: 'no such words anywhere' }, 0)).total, 0);
});
