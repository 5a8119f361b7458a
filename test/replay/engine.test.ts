// The replay engine over recorded runs: an agent app with the official OpenAI instrumentation
// against the mock model (tokens are the mock's), and the nine captured Python framework runs
// (their truth is capture.json: what the model and the tools saw). Golden transcripts for the
// agent app; for the captures, what the truth says must be where the engine stops.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestServer, api, waitFor } from '../helpers/server';
import { startMockModel, type MockModel } from '../../src/demo/mockModel';
import { captureNames, postCapture, truthOf } from '../helpers/captures';
import { Replay, stepLabel, type Stop } from '../../src/replay/engine';
import { ExprError } from '../../src/replay/expr';
import type { RunningServer } from '../../src/server/server';
import type { TraceListResponse, TraceResponse } from '../../src/protocol';

const APP = path.join(__dirname, '..', 'helpers', 'agentRun.js');
let server: RunningServer;
let mock: MockModel;
let agentRun: TraceResponse;
before(async () => {
  server = await startTestServer({ dataDir: null });
  mock = await startMockModel();
  const { stdout } = await promisify(execFile)(process.execPath, [APP, 'otel', `http://127.0.0.1:${server.httpPort}`, mock.url], { timeout: 60_000 });
  const { traceId } = JSON.parse(stdout.trim().split('\n').pop()!) as { traceId: string };
  agentRun = await waitFor('the agent run', async () => {
    const t = await api(server)<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
    return t && t.spans.length >= 5 && !t.summary.rootPending ? t : undefined;
  });
});
after(async () => { await mock.close(); await server.close(); });

const line = (r: Replay, s: Stop) => `${s.reason}: ${stepLabel(r.steps[s.index]!)}${s.returned ? ' (end)' : ''}`;

test('golden: stepping through the agent run forwards and back', () => {
  const r = new Replay(agentRun);
  const model = 'LLM gpt-4o-mini-2024-07-18';
  assert.deepEqual(r.steps.map(stepLabel), ['agent travel-agent', model, 'tool get_weather', 'tool search_flights', model]);
  const transcript: string[] = [line(r, r.start(true))];
  const doing = (what: string, f: () => Stop) => transcript.push(`${what} -> ${line(r, f())}`);
  doing('in', () => r.stepIn());
  doing('over', () => r.stepOver());
  doing('over', () => r.stepOver());
  doing('back', () => r.stepBack());
  doing('back', () => r.stepBack());
  doing('out', () => r.stepOut());
  doing('back', () => r.stepBack());
  doing('in', () => r.stepIn());
  doing('in', () => r.stepIn());
  doing('in', () => r.stepIn());
  doing('in', () => r.stepIn());
  doing('in', () => r.stepIn());
  doing('reverse', () => r.reverseContinue());
  assert.deepEqual(transcript, [
    'entry: agent travel-agent',
    `in -> step: ${model}`,
    'over -> step: tool get_weather',
    'over -> step: tool search_flights',
    'back -> step: tool get_weather',
    `back -> step: ${model}`,
    'out -> step: agent travel-agent (end)',
    'back -> step: agent travel-agent',
    `in -> step: ${model}`,
    'in -> step: tool get_weather',
    'in -> step: tool search_flights',
    `in -> step: ${model}`,
    `in -> end: ${model}`,
    'reverse -> entry: agent travel-agent',
  ]);
  // Stepping over the agent runs all of it: nothing at its level follows.
  r.start(true);
  assert.equal(line(r, r.stepOver()), 'end: ' + model);
});

test('the model call that asked for a tool is one step back from it, and its figures are the mock\'s', () => {
  const r = new Replay(agentRun);
  r.start(true);
  const bp = r.setBreakpoints('function', [{ kind: 'function', name: 'search_*' }]);
  assert.deepEqual(bp.map((b) => b.verified), [true]);
  const stop = r.continue();
  assert.equal(stop.reason, 'function breakpoint');
  assert.equal(stop.description, 'breakpoint: tool search_flights (search_*)');
  assert.deepEqual(stop.hitBreakpointIds, [bp[0]!.id]);
  const tool = r.current;
  const back = r.stepBack();
  assert.equal(stepLabel(r.steps[back.index]!), 'tool get_weather');
  r.stepBack();
  const asked = r.current;
  assert.equal(asked.span.genai?.kind, 'llm');
  const calls = (r.evaluate('output[0].parts') as { type: string; id?: string }[]).filter((p) => p.type === 'tool_call').map((p) => p.id);
  assert.ok(calls.includes(tool.span.genai!.toolCallId), `${JSON.stringify(calls)} asked for ${tool.span.genai!.toolCallId}`);
  assert.equal(r.evaluate('usage.input'), mock.usages[0]!.prompt_tokens);
  assert.equal(r.evaluate('usage.total'), mock.usages[0]!.total_tokens);
  assert.equal(r.evaluate('tool', tool), 'search_flights');
});

test('conditions, hit counts and exception breakpoints', () => {
  const r = new Replay(agentRun);
  const [first, second] = mock.usages.slice(-2) as [MockModel['usages'][0], MockModel['usages'][0]];
  assert.ok(second.prompt_tokens > first.prompt_tokens);
  // A condition between the two calls' input tokens stops at the second only.
  r.setBreakpoints('function', [{ kind: 'function', name: 'gpt-4o-mini*', condition: `usage.input > ${first.prompt_tokens}` }]);
  r.start(true);
  let s = r.continue();
  assert.equal(r.evaluate('usage.input', r.steps[s.index]!), second.prompt_tokens);
  assert.equal(r.continue().reason, 'end');
  // The second hit of a breakpoint on every model call; hits count from the start of the run.
  r.setBreakpoints('function', [{ kind: 'function', name: 'gpt-4o-mini*', hitCondition: '2' }]);
  r.start(true);
  s = r.continue();
  assert.equal(r.evaluate('usage.input', r.steps[s.index]!), second.prompt_tokens);
  assert.equal(r.reverseContinue().reason, 'entry');
  // Going back and forth does not change which hit is the second.
  assert.equal(r.continue().index, s.index);
  // A condition that does not parse, or names nothing a step has: not verified, says why, and stops nowhere.
  const bad = r.setBreakpoints('function', [
    { kind: 'function', name: '*', condition: 'usage.input >' },
    { kind: 'function', name: '*', condition: 'tokens > 5' },
    { kind: 'function', name: '*', hitCondition: 'twice' },
  ]);
  assert.deepEqual(bad.map((b) => b.verified), [false, false, false]);
  assert.match(bad[0]!.message!, /condition: the expression ends where a value was expected \(at 14\)/);
  assert.match(bad[1]!.message!, /unknown name "tokens" \(at 1\); a step has name, kind, .*usage/);
  assert.match(bad[2]!.message!, /a hit count is a number/);
  r.start(true);
  assert.equal(r.continue().reason, 'end');
  // Nothing failed in this run: the exception breakpoint never stops.
  r.setBreakpoints('function', []);
  r.setBreakpoints('exception', [{ kind: 'exception', filter: 'failed' }, { kind: 'exception', filter: 'truncated' }]);
  r.start(true);
  assert.equal(r.continue().reason, 'end');
});

test('the evaluator: fields, attributes, operators, and clear errors', () => {
  const r = new Replay(agentRun);
  r.start(true);
  r.stepIn();
  assert.equal(r.evaluate('kind'), 'llm');
  assert.equal(r.evaluate('attributes["gen_ai.request.model"]'), 'gpt-4o-mini');
  assert.equal(r.evaluate('model contains "MINI" && !error'), true);
  // The semantic conventions' finish reason (the instrumentation maps OpenAI's "tool_calls").
  assert.equal(r.evaluate('finishReason == "tool_call" || finishReason == "length"'), true);
  assert.equal(r.evaluate('system[0].content matches "^You are a travel"'), true);
  assert.equal(r.evaluate('input[0].parts[0].content contains "lisbon"'), true);
  assert.equal(r.evaluate('usage.input + usage.output'), mock.usages[0]!.total_tokens);
  assert.equal(r.evaluate('durationMs >= 0 and startMs >= 0'), true);
  assert.equal(r.evaluate('args'), undefined);
  assert.equal(r.evaluate('nothing.here'.replace('nothing', 'usage')), undefined);
  assert.equal(r.evaluate('attributes.__proto__'), undefined);
  assert.equal(r.evaluate('name.constructor'), undefined);
  for (const [src, msg] of [
    ['usage.input >', /ends where a value was expected/],
    ['"open', /a string opened at 1 is not closed/],
    ['a = 1', /unexpected "=" at 3/],
    ['process.exit', /unknown name "process"/],
    ['usage.input.toString()', /unexpected "\(" at 21/],
    ['(1', /expected "\)" at 3 \(end of expression\)/],
    ['name matches "("', /not a regular expression/],
    ['', /the expression is empty/],
  ] as const) {
    assert.throws(() => r.evaluate(src), (e: unknown) => e instanceof ExprError && msg.test(e.message), src);
  }
  assert.throws(() => r.evaluate('!'.repeat(500) + 'error'), /nests too deep/);
});

test('the captured framework runs: tools stop where they ran, failures where they failed, tokens as the model reported', async () => {
  for (const name of captureNames()) {
    const truth = truthOf(name);
    const s = await startTestServer({ dataDir: null });
    try {
      await postCapture(name, s.httpPort);
      const list = await api(s)<TraceListResponse>('/api/traces?limit=100');
      const tools = truth.turns.flatMap((t) => t.tool_calls);
      const calls = truth.turns.flatMap((t) => t.model_calls);
      let toolStops = 0, failStops = 0;
      const inputs: number[] = [];
      for (const summary of list.traces) {
        const trace = await api(s)<TraceResponse>(`/api/traces/${summary.traceId}`);
        if (!trace.spans.length) continue;
        const r = new Replay(trace);
        // Stepping in visits every decision once, in start order (the test sorts the spans itself).
        const decisions = trace.spans.filter((x) => ['agent', 'llm', 'tool', 'embeddings', 'retrieval'].includes(x.genai?.kind ?? ''));
        if (decisions.length) {
          r.start(true);
          const seen: string[] = r.current.decision ? [r.current.span.spanId] : [];
          for (let st = r.stepIn(); st.reason !== 'end'; st = r.stepIn()) seen.push(r.steps[st.index]!.span.spanId);
          assert.deepEqual(new Set(seen), new Set(decisions.map((x) => x.spanId)), `${name}: every decision once`);
          assert.equal(seen.length, decisions.length, name);
          const starts = seen.map((id) => BigInt(trace.spans.find((x) => x.spanId === id)!.startTimeUnixNano));
          assert.ok(starts.every((t, i) => i === 0 || t >= starts[i - 1]! || r.step(seen[i]!)!.parent !== undefined), `${name}: start order`);
        }
        // A breakpoint on each tool the truth ran.
        r.setBreakpoints('function', [...new Set(tools.map((t) => t.name))].map((n) => ({ kind: 'function' as const, name: n, condition: 'kind == "tool"' })));
        // Not stopping on entry: a breakpoint on the first step (an orphaned tool is its own run's root) stops there.
        for (let st = r.start(false); st.reason !== 'end'; st = r.continue()) {
          toolStops++;
          assert.ok(tools.some((t) => t.name === r.evaluate('tool')), name);
        }
        r.setBreakpoints('function', []);
        r.setBreakpoints('exception', [{ kind: 'exception', filter: 'failed' }]);
        for (let st = r.start(false); st.reason !== 'end'; st = r.continue()) {
          failStops++;
          assert.match(st.description, /^exception: step failed: /);
        }
        r.setBreakpoints('exception', []);
        r.setBreakpoints('function', [{ kind: 'function', name: '*', condition: 'kind == "llm" && usage.input > 0' }]);
        for (let st = r.start(false); st.reason !== 'end'; st = r.continue()) inputs.push(r.evaluate('usage.input') as number);
      }
      // Frameworks may wrap a tool's run in a span of their own: at least one stop per execution.
      assert.ok(toolStops >= truth.totals.tool_executions, `${name}: ${toolStops} tool stops for ${truth.totals.tool_executions} executions`);
      if (truth.totals.tool_errors) assert.ok(failStops >= truth.totals.tool_errors, `${name}: ${failStops} failure stops for ${truth.totals.tool_errors} tool errors`);
      // Every input token count the model reported is one a model-call stop shows.
      for (const c of calls) assert.ok(inputs.includes(c.usage.input), `${name}: input ${c.usage.input} of call ${c.seq} (${JSON.stringify(inputs)})`);
    } finally {
      await s.close();
    }
  }
});

test('patterns run in linear time: a pattern that makes backtracking engines run for ever ends at once over the recorded prompt; RE2 syntax only, said clearly; a condition over its time budget turns its breakpoint off and says why', () => {
  const r = new Replay(agentRun);
  const prompt = r.evaluate('input[0].parts[0].content', r.steps[1]!) as string;
  assert.match(prompt, /^Plan a weekend in Lisbon: /);
  // JavaScript's RegExp does not finish this over the prompt (the trailing "." fails after every way of splitting its words).
  const condition = 'input[0].parts[0].content matches "^([\\\\w:]+\\\\s?)*$"';
  r.setBreakpoints('function', [{ kind: 'function', name: '*', condition }]);
  assert.equal(r.breakpointStates[0]!.verified, true);
  assert.equal(r.start(false).reason, 'end', 'no step matches, and the run is walked to its end');
  assert.equal(r.evaluate('input[0].parts[0].content matches "^([\\\\w:]+\\\\s?)*\\\\.$"', r.steps[1]!), true);
  assert.throws(() => r.evaluate('input[0].parts[0].content matches "(a)\\\\1"', r.steps[1]!), /not a regular expression in RE2 syntax, which has no back-references or look-around: .*\\1/);
  assert.throws(() => r.evaluate(`name matches "${'a'.repeat(1001)}"`), /the pattern is 1001 characters; at most 1000/);
  // The budget: a text of 64 MB that a step could carry, matched on every step; the first evaluation over it turns the breakpoint off.
  const big = { ...agentRun, spans: agentRun.spans.map((s) => (s.genai?.kind === 'tool' ? { ...s, genai: { ...s.genai, toolResult: 'x'.repeat(64 << 20) } } : s)) };
  const slow = new Replay(big);
  slow.setBreakpoints('function', [{ kind: 'function', name: '*', condition: 'result matches "y(a|b)*z"' }]);
  assert.equal(slow.start(false).reason, 'end');
  const state = slow.breakpointStates[0]!;
  assert.equal(state.verified, false);
  assert.match(state.message!, /^condition: the expression took too long \(over 250 ms on one step; at \d+\): make it narrower \(on step \d+, tool get_weather\); the breakpoint is off/);
  assert.deepEqual(slow.disabled, [state]);
});

test('a condition is evaluated when the cursor reaches a step, not on the whole run when it is set; hit counts still count from the start', () => {
  const r = new Replay(agentRun);
  r.start(true);
  const seen: number[] = [];
  const scope = (r as unknown as { scope(s: unknown): Record<string, unknown> });
  const original = scope.scope.bind(r);
  scope.scope = (s: unknown) => { seen.push((s as { index: number }).index); return original(s); };
  r.setBreakpoints('function', [{ kind: 'function', name: '*', condition: 'kind == "tool"', hitCondition: '2' }]);
  // Setting it reads the first step's names (to check them), nothing else.
  assert.deepEqual([...new Set(seen)], [0]);
  const stop = r.continue();
  assert.equal(stepLabel(r.steps[stop.index]!), 'tool search_flights', 'the second tool');
  assert.ok(Math.max(...seen) <= stop.index, `conditions ran up to step ${Math.max(...seen)}, the cursor is at ${stop.index}`);
});
