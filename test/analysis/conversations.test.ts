// Conversations and token creep over the captured Python framework runs: three turns each, the
// second resending the first and running a tool loop. The truth is capture.json: what the mock
// model reported per call, summed per turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api } from '../helpers/server';
import { captureNames, postCapture, truthOf } from '../helpers/captures';
import { creepOf } from '../../src/analysis/creep';
import { trace, context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { tracerProvider } from '../helpers/otel';
import type { ConversationResponse, ConversationSummary } from '../../src/protocol';

test('the creep rule, over three turns or more: 2x the first turn at any later turn, or growth at every turn that reaches 1.5x', () => {
  assert.deepEqual(creepOf([1000, 1500, 2100]), { baseline: 1000, peak: 2100, peakTurn: 3, ratio: 2.1, turns: 3, steady: true });
  assert.deepEqual(creepOf([1000, 1300, 1600]), { baseline: 1000, peak: 1600, peakTurn: 3, ratio: 1.6, turns: 3, steady: true });
  assert.equal(creepOf([1000, 1500, 1400]), undefined);
  assert.deepEqual(creepOf([1000, 2500, 1200]), { baseline: 1000, peak: 2500, peakTurn: 2, ratio: 2.5, turns: 3, steady: false });
  assert.equal(creepOf([1000, 2500, 1200], { ratio: 3, steadyRatio: 1.5 }), undefined);
  // History always grows a little: a flat conversation is not creep, however steady.
  assert.equal(creepOf([636, 649, 661, 671]), undefined);
  assert.equal(creepOf([1000, 1300, 1600], { ratio: 2, steadyRatio: 1.7 }), undefined);
  assert.equal(creepOf([0, 5000, 6000]), undefined, 'no baseline to grow from');
  // Two turns are one step: the follow-up carries the first turn whole.
  assert.equal(creepOf([1000, 2500]), undefined);
  assert.equal(creepOf([1000]), undefined);
});

/** Sends one run per turn of a conversation, each with model calls of the given input tokens and prompts (the real SDK). */
async function sendConversation(port: number, conv: string, turns: { input: number; system: string; history: string[] }[][]): Promise<string[]> {
  const { provider, tracer } = tracerProvider(`conv-${conv}`, [new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` })]);
  const ids: string[] = [];
  for (const calls of turns) {
    const root = tracer.startSpan('invoke_agent desk', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'desk', 'gen_ai.conversation.id': conv } });
    const ctx = trace.setSpan(context.active(), root);
    for (const c of calls) {
      tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': c.input, 'gen_ai.usage.output_tokens': 10,
        'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: c.system }]),
        'gen_ai.input.messages': JSON.stringify(c.history.map((text, i) => ({ role: i % 2 ? 'assistant' : 'user', parts: [{ type: 'text', content: text }] }))) } }, ctx).end();
    }
    root.end();
    ids.push(root.spanContext().traceId);
  }
  await provider.forceFlush();
  await provider.shutdown();
  return ids;
}

test('a flat conversation (636 → 649 → 661 → 671 input tokens) is not flagged; a turn with more model calls says so, and what grew compares per call (the same system prompt over more calls did not grow)', async () => {
  const server = await startTestServer({ dataDir: null });
  try {
    const sys = 'You are a support desk for an online shop. Answer briefly and look orders up before you answer.';
    const one = (input: number, history: string[]) => ({ input, system: sys, history });
    await sendConversation(server.httpPort, 'flat', [[one(636, ['a'])], [one(649, ['a', 'b', 'c'])], [one(661, ['a', 'b', 'c', 'd', 'e'])], [one(671, ['a', 'b', 'c', 'd', 'e', 'f', 'g'])]]);
    // Turn 2 runs a tool loop: three calls of the same system prompt, each resending the history.
    const h1 = ['Where is my order A-1042?'];
    const h2 = [...h1, 'It is on its way.', 'It arrived broken, refund it.'];
    await sendConversation(server.httpPort, 'loop', [[one(900, h1)], [one(1000, h2), one(1100, [...h2, 'looking it up']), one(1200, [...h2, 'looking it up', 'refunded'])], [one(1300, [...h2, 'Thanks'])]]);
    const get = api(server);
    const list = (await get<{ conversations: ConversationSummary[] }>('/api/conversations')).conversations;
    const flat = list.find((c) => c.id === 'flat')!;
    assert.equal(flat.turns, 4);
    assert.equal(flat.creep, undefined, 'a flat conversation is not creep');
    assert.equal((await get<ConversationResponse>('/api/conversations/flat?creepSteadyRatio=1.05')).summary.creep?.steady, true, 'a lower steady threshold flags it');
    await assert.rejects(get('/api/conversations?creepSteadyRatio=0.5'), /400 .*creepSteadyRatio must be a number above 1/);
    const loop = await get<ConversationResponse>('/api/conversations/loop');
    assert.equal(loop.summary.creep?.ratio, (1000 + 1100 + 1200) / 900);
    assert.deepEqual(loop.calls, { from: 1, to: 3 });
    assert.ok(loop.growth && !loop.growth.some((g) => g.part === 'system prompt'), `the system prompt per call did not grow: ${JSON.stringify(loop.growth)}`);
    assert.ok(loop.growth.some((g) => g.part === 'history' && g.to > g.from), JSON.stringify(loop.growth));
  } finally {
    await server.close();
  }
});

test('each captured conversation: its turns in order, input tokens per turn as the model reported them, creep at the peak, and what grew', async () => {
  let checked = 0;
  for (const name of captureNames()) {
    const truth = truthOf(name);
    const id = truth.conversation_id_passed;
    // openai-agents exports nothing that links its turns. orphan-threadpool's tools lost their trace
    // context: each is a run of its own, which counts in the turn it belongs in.
    if (!id || name === 'openai-agents') continue;
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
      // More model calls in the peak turn than in the first are said, from the truth's own count.
      const calls = truth.turns.map((t) => t.model_calls.length);
      if (calls[0] !== calls[perTurn.indexOf(peak)]) assert.deepEqual(full.calls, { from: calls[0], to: calls[perTurn.indexOf(peak)] }, name);
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
