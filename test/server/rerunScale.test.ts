// A re-run's plan at size: a 20,000-step run made with the real SDK (10,000 model calls and 10,000
// tools, 50 ms apart: 17 minutes, times across 2^32 ns boundaries; test/helpers/syntheticRuns.ts),
// re-run from its step 16,000. The truth is the run as made: which calls come before the step, in
// what order, with which prompt and answer. While the plan is being made, a small request is
// answered first (the server keeps serving).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { longRunBodies } from '../helpers/syntheticRuns';
import { api, killServers, spawnServer } from '../helpers/server';
import type { RerunPlan, TraceListResponse } from '../../src/protocol';

after(killServers);

test('the plan of a 20,000-step run from step 16,000: its 8,000 earlier model calls in order, each with its prompt and its answer in the formats of its provider; the server answers a small request meanwhile', async (t) => {
  const n = 20_000;
  const run = longRunBodies(n);
  const server = await spawnServer(['--http-port', '0', '--grpc-port', '0', '--no-persist']);
  for (const body of run.bodies) {
    const r = await fetch(`http://127.0.0.1:${server.ready.httpPort}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(body) });
    assert.equal(r.status, 200);
  }
  const from = run.steps[16_000]!;
  const before = run.steps.slice(0, 16_000).filter((s) => s.key.startsWith('llm:'));
  assert.equal(before.length, 8_000);
  const order: string[] = [];
  const headed = <T>(p: string, tag: string) => fetch(`http://127.0.0.1:${server.ready.httpPort}${p}`, { headers: { Authorization: `Bearer ${server.ready.token}` } })
    .then(async (r) => { order.push(tag); assert.equal(r.status, 200); return r.json() as Promise<T>; });
  const planned = headed<RerunPlan>(`/api/traces/${run.traceId}/rerun?from=${from.spanId}`, 'plan');
  await new Promise((r) => setTimeout(r, 50));
  const small = headed<TraceListResponse>('/api/traces?limit=1', 'list');
  const [plan, list] = await Promise.all([planned, small]);
  assert.equal(list.total, 1);
  assert.deepEqual(order, ['list', 'plan'], 'the run list was answered while the plan was being made');
  assert.deepEqual([plan.calls.length, plan.liveCalls, plan.gaps], [8_000, 2_000, []]);
  t.diagnostic(`the plan of 8,000 calls: ${(JSON.stringify(plan).length / 1e6).toFixed(1)} MB`);
  assert.equal(plan.from?.spanId, from.spanId);
  plan.calls.forEach((c, i) => {
    const s = before[i]!;
    assert.equal(c.spanId, s.spanId, `call ${i + 1} in order`);
    assert.equal(c.step, i + 1);
    assert.deepEqual(c.request.messages, [{ role: 'user', content: s.prompt }]);
    const step = Number(/^Step (\d+)/.exec(s.prompt!)![1]);
    const chat = c.answers['openai.chat']!.body as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number } };
    assert.equal(chat.choices[0]!.message.content, `Done with step ${step}.`);
    assert.equal(chat.usage.prompt_tokens, 200 + (step % 50));
    const responses = c.answers['openai.responses']!;
    assert.equal(((responses.body as { output: { content: { text: string }[] }[] }).output[0]!.content[0]!).text, `Done with step ${step}.`);
    assert.equal(responses.stream.at(-1)!.event, 'response.completed');
    assert.equal(c.answers['anthropic.messages'], undefined, 'an OpenAI call is not answered as Anthropic');
  });
  // All recorded: every model call.
  const all = await api(server.ready)<RerunPlan>(`/api/traces/${run.traceId}/rerun?all=1`);
  assert.deepEqual([all.calls.length, all.liveCalls, all.allRecorded], [10_000, 0, true]);
  // Bad input: a step the run does not have, a malformed id, neither from nor all.
  const status = (p: string) => fetch(`http://127.0.0.1:${server.ready.httpPort}${p}`, { headers: { Authorization: `Bearer ${server.ready.token}` } }).then(async (r) => [r.status, ((await r.json()) as { error: string }).error]);
  assert.deepEqual(await status(`/api/traces/${run.traceId}/rerun?from=0123456789abcdef`), [404, `no span 0123456789abcdef in trace ${run.traceId}`]);
  assert.equal((await status(`/api/traces/${run.traceId}/rerun?from=xyz`))[0], 400);
  assert.match(String((await status(`/api/traces/${run.traceId}/rerun`))[1]), /from=\{spanId\}, or all=1/);
});
