// A run is told apart by its first user message. The captured framework runs: each turn's run
// carries the question capture.json says the user asked, whichever carrier the messages came in
// (span attributes, span events, or the older log-record events); a run whose content was not
// captured has no title (the root's name stands).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api } from '../helpers/server';
import { captureNames, postCapture, truthOf, type Truth } from '../helpers/captures';
import type { TraceListResponse, TraceSummary } from '../../src/protocol';

/** Each capture posted to a server of its own: its runs as the API lists them, with its truth. */
async function eachCapture(fn: (name: string, truth: Truth, runs: TraceSummary[]) => void): Promise<void> {
  for (const name of captureNames()) {
    const server = await startTestServer({ dataDir: null });
    try {
      await postCapture(name, server.httpPort);
      fn(name, truthOf(name), (await api(server)<TraceListResponse>('/api/traces?limit=100')).traces);
    } finally {
      await server.close();
    }
  }
}

test('each turn\'s run is titled by the question its user asked', async () => {
  let titled = 0;
  await eachCapture((name, truth, runs) => {
    const titles = runs.map((r) => r.title).filter((t): t is string => t !== undefined);
    for (const turn of truth.turns) {
      const want = turn.user.replace(/\s+/g, ' ').trim();
      if (titles.length) {
        assert.ok(titles.includes(want.length > 100 ? `${want.slice(0, 99)}…` : want), `${name}: "${want}" in ${JSON.stringify(titles)}`);
        titled++;
      }
    }
    // Titles are questions users asked, nothing else (in orphan-threadpool a tool's own classifier
    // call is a run of its own: its title is what the tool asked the model).
    if (name === 'orphan-threadpool') return;
    const asked = new Set(truth.turns.map((t) => t.user.replace(/\s+/g, ' ').trim()));
    for (const t of titles) assert.ok(asked.has(t), `${name}: ${t}`);
  });
  assert.ok(titled >= 15, `${titled} turns titled`);
});

test('a failed tool that was retried and got through counts as recovered, in the run that made it', async () => {
  let seen = 0;
  await eachCapture((name, truth, runs) => {
    // The truth's retries: a failed call followed, in the same turn, by a call of the same tool that did not fail.
    const retried = truth.turns.map((t) => t.tool_calls.filter((c, k) => c.error && t.tool_calls.slice(k + 1).some((d) => d.name === c.name && !d.error)).length);
    const total = runs.reduce((n, r) => n + (r.recoveredErrors ?? 0), 0);
    const want = retried.reduce((a, b) => a + b, 0);
    // Where the tools ran in the run that asked for them, every retry is seen (orphaned tools are runs of their own).
    if (name !== 'orphan-threadpool') assert.ok(total >= want, `${name}: ${total} recovered for ${want} retried`);
    for (const r of runs) assert.ok((r.recoveredErrors ?? 0) <= r.errorCount, `${name}: recovered no more than failed`);
    seen += want;
  });
  assert.ok(seen >= 5, `${seen} retries in the captures`);
});
