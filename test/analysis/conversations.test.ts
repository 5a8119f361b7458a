// Conversations and token creep over the captured Python framework runs: three turns each, the
// second resending the first and running a tool loop. The truth is capture.json: what the mock
// model reported per call, summed per turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api } from '../helpers/server';
import { captureNames, postCapture, truthOf } from '../helpers/captures';
import { creepOf } from '../../src/analysis/creep';
import type { ConversationResponse, ConversationSummary } from '../../src/protocol';

test('the creep rule: 2x the first turn at any later turn, or growth at every turn over three or more', () => {
  assert.deepEqual(creepOf([1000, 1500, 2100]), { baseline: 1000, peak: 2100, peakTurn: 3, ratio: 2.1, turns: 3, steady: true });
  assert.equal(creepOf([1000, 1500, 1400]), undefined);
  assert.deepEqual(creepOf([1000, 2500, 1200]), { baseline: 1000, peak: 2500, peakTurn: 2, ratio: 2.5, turns: 3, steady: false });
  assert.equal(creepOf([1000, 2500, 1200], 3), undefined);
  assert.equal(creepOf([0, 5000]), undefined, 'no baseline to grow from');
  assert.equal(creepOf([1000]), undefined);
});

test('each captured conversation: its turns in order, input tokens per turn as the model reported them, creep at the peak, and what grew', async () => {
  let checked = 0;
  for (const name of captureNames()) {
    const truth = truthOf(name);
    const id = truth.conversation_id_passed;
    if (!id || name === 'openai-agents' || name === 'orphan-threadpool') continue; // openai-agents exports nothing that links its turns
    const server = await startTestServer({ dataDir: null });
    try {
      await postCapture(name, server.httpPort);
      const get = api(server);
      const list = (await get<{ conversations: ConversationSummary[] }>('/api/conversations')).conversations;
      const conv = list.find((c) => c.id === id);
      assert.ok(conv, `${name}: conversation ${id} in ${JSON.stringify(list.map((c) => c.id))}`);
      const perTurn = truth.turns.map((t) => t.model_calls.reduce((n, c) => n + c.usage.input, 0));
      assert.equal(conv.turns, truth.turns.length, name);
      const full = await get<ConversationResponse>(`/api/conversations/${encodeURIComponent(id)}`);
      assert.deepEqual(full.turns.map((t) => t.usage.input), perTurn, `${name}: input tokens per turn`);
      assert.deepEqual(full.turns.map((t) => t.llmCalls), truth.turns.map((t) => t.model_calls.length), `${name}: model calls per turn`);
      // The truth's own numbers decide whether it creeps and where it peaks.
      const peak = Math.max(...perTurn.slice(1));
      const ratio = peak / perTurn[0]!;
      assert.ok(ratio >= 2, `${name}: the scenario grows ${ratio}x`);
      assert.deepEqual(full.summary.creep, { baseline: perTurn[0], peak, peakTurn: perTurn.indexOf(peak) + 1, ratio, turns: perTurn.length, steady: perTurn.every((v, i) => i === 0 || v > perTurn[i - 1]!) });
      // The second turn resends the first: the history grew (when content was captured).
      if (full.growth) assert.ok(full.growth.some((g) => g.part === 'history' && g.to > g.from), `${name}: ${JSON.stringify(full.growth)}`);
      // A stricter setting: not creeping.
      const strict = await get<ConversationResponse>(`/api/conversations/${encodeURIComponent(id)}?creepRatio=${Math.ceil(ratio + 0.01)}`);
      assert.equal(strict.summary.creep, undefined, name);
      checked++;
    } finally {
      await server.close();
    }
  }
  assert.ok(checked >= 6, `${checked} conversations checked`);
});

test('bad input: an unknown conversation is 404, a creep ratio that is no number above 1 is 400', async () => {
  const server = await startTestServer({ dataDir: null });
  try {
    await assert.rejects(api(server)('/api/conversations/nope'), /404 .*no conversation nope/);
    await assert.rejects(api(server)('/api/conversations?creepRatio=1'), /400 .*creepRatio must be a number above 1/);
    await assert.rejects(api(server)('/api/conversations?creepRatio=lots'), /400/);
    await assert.rejects(api(server)('/api/conversations/%E0%A4%A'), /400 .*not valid URL encoding/);
  } finally {
    await server.close();
  }
});
