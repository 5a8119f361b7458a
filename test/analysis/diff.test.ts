// Run diff over two real runs: turns 1 and 2 of the captured LangGraph conversation. capture.json
// says what each turn's model calls and tools were: the diff must align what is shared, show
// what turn 2 added (a refund that failed and its retry), carry the tokens as the model reported
// them, and show turn 2's new question in the model call's prompt diff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api } from '../helpers/server';
import { postCapture, truthOf } from '../helpers/captures';
import { align } from '../../src/analysis/diff';
import type { ConversationResponse, RunDiff } from '../../src/protocol';

test('alignment keeps shared steps together and lines up the rest in order', () => {
  const k = (x: string) => x;
  assert.deepEqual(align(['a', 'b', 'c'], ['a', 'x', 'b', 'c', 'd'], k), [[0, 0], [undefined, 1], [1, 2], [2, 3], [undefined, 4]]);
  assert.deepEqual(align(['a', 'b'], [], k), [[0, undefined], [1, undefined]]);
});

test('two turns of a real conversation, side by side', async () => {
  const truth = truthOf('langgraph');
  const server = await startTestServer({ dataDir: null });
  try {
    await postCapture('langgraph', server.httpPort);
    const get = api(server);
    const conv = await get<ConversationResponse>(`/api/conversations/${encodeURIComponent(truth.conversation_id_passed!)}`);
    const [t1, t2] = conv.turns;
    const d = await get<RunDiff>(`/api/diff?a=${t1!.traceId}&b=${t2!.traceId}`);
    const perTurn = truth.turns.map((t) => t.model_calls.reduce((n, c) => n + c.usage.input, 0));
    assert.equal(d.delta.input, perTurn[1]! - perTurn[0]!);
    // Each side holds its turn's tools, in the order they ran, and its model calls with their tokens.
    const side = (k: 'a' | 'b') => d.steps.flatMap((s) => (s[k] ? [s[k]!] : []));
    for (const [k, turn] of [['a', truth.turns[0]!], ['b', truth.turns[1]!]] as const) {
      assert.deepEqual(side(k).filter((s) => s.kind === 'tool').map((s) => s.name), turn.tool_calls.map((c) => `tool ${c.name}`), k);
      assert.deepEqual(side(k).filter((s) => s.kind === 'llm').map((s) => s.usage?.input), turn.model_calls.map((c) => c.usage.input), k);
    }
    // Turn 2's refund (and its retry) are steps turn 1 did not have; its failed attempt shows as an error.
    const added = d.steps.filter((s) => !s.a && s.b?.kind === 'tool').map((s) => s.b!);
    assert.ok(added.some((s) => s.name === 'tool issue_refund' && s.error));
    // The first model call of each turn lines up; turn 2's question is what its prompt added.
    const first = d.steps.find((s) => s.a?.kind === 'llm' && s.b?.kind === 'llm')!;
    assert.ok(first.prompt!.some((c) => c.op === 'add' && c.text.includes(truth.turns[1]!.user)), JSON.stringify(first.prompt).slice(0, 400));
    assert.equal(first.delta.input, first.b!.usage!.input - first.a!.usage!.input);
    assert.equal(first.changed, true);
    // Bad input.
    await assert.rejects(get(`/api/diff?a=${t1!.traceId}&b=nope`), /400 .*a and b must be trace ids/);
    await assert.rejects(get(`/api/diff?a=${t1!.traceId}&b=${'0'.repeat(32)}`), /404 .*no trace 0{32}/);
  } finally {
    await server.close();
  }
});
