// Pausing the live agent in Python (capture/python/agent_lens_gate.py, started by the shipped
// sitecustomize): a Python process started with the helper directory first on PYTHONPATH and the
// gate's environment, as the editor starts apps, against a real receiver; the editor is a
// WebSocket client of the receiver's feed (test/helpers/liveEditor.ts). The app is
// test/helpers/live_gate_app.py (standard library only, so it runs wherever python3 does). The
// truth is what the app printed and what the editor heard.
//
// The hooks on the openai and anthropic SDKs, the OpenAI Agents SDK and the OpenTelemetry SDK's
// spans are run against those packages (test/helpers/live_gate_sdk_app.py and the mock model)
// where they import; elsewhere each such test is skipped saying which import failed. They are not
// installable on the machine this was written on (no package index): there they ran with their
// released sources on AGENT_LENS_TEST_PYTHONPATH, never committed. The model-call wrapper is also
// tested on a client method with the SDKs' calling convention, which runs wherever python3 does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { startTestServer, waitFor } from '../helpers/server';
import { Editor } from '../helpers/liveEditor';
import { startMockModel, TOOL_ARGS, type MockModel } from '../../src/demo/mockModel';
import type { LivePause } from '../../src/protocol';
import type { RunningServer } from '../../src/server/server';

const ROOT = path.join(__dirname, '..', '..');
const HELPER_DIR = path.join(ROOT, 'dist', 'capture-python');
const APP = path.join(ROOT, 'test', 'helpers', 'live_gate_app.py');
const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const noPython = python.error || python.status !== 0 ? 'python3 is not installed' : false;
// AGENT_LENS_TEST_PYTHONPATH: more directories for the apps' PYTHONPATH (where an SDK's sources are).
const EXTRA = process.env.AGENT_LENS_TEST_PYTHONPATH ? `:${process.env.AGENT_LENS_TEST_PYTHONPATH}` : '';
const otel = noPython || spawnSync('python3', ['-c', 'import opentelemetry.sdk.trace'], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: EXTRA.slice(1) } });
const noOtel = typeof otel === 'string' ? otel : otel.status !== 0
  ? 'the Python OpenTelemetry SDK is not installed here (python3 -c "import opentelemetry.sdk.trace" fails; AGENT_LENS_TEST_PYTHONPATH can name where its sources are)' : false;
/** Why the run on an SDK is skipped here (it cannot be imported), or false. */
function importable(modules: string, what: string): string | false {
  if (noPython) return noPython;
  const r = spawnSync('python3', ['-c', `import ${modules}`], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: EXTRA.slice(1) } });
  return r.status === 0 ? false : `${what} cannot be imported here (python3 -c "import ${modules}" fails; AGENT_LENS_TEST_PYTHONPATH can name where it is)`;
}
const noSdk = {
  openai: noOtel || importable('openai', 'the openai Python SDK'),
  anthropic: noOtel || importable('anthropic', 'the anthropic Python SDK'),
  agents: noOtel || importable('agents', 'the OpenAI Agents SDK for Python'),
  strands: noOtel || importable('strands.models.openai', 'Strands Agents (with openai)'),
  pydanticAi: noOtel || importable('pydantic_ai.models.openai', 'Pydantic AI (with openai)'),
  langgraph: noOtel || importable('langgraph.prebuilt', 'LangGraph'),
};
const SDK_APP = path.join(ROOT, 'test', 'helpers', 'live_gate_sdk_app.py');
const QUESTION = 'Weather in Lisbon, and a flight there from Berlin on Dec 4?';

let server: RunningServer;
let mock: MockModel;
before(async () => { if (!noPython) { server = await startTestServer({ dataDir: null }); mock = await startMockModel(); } });
after(async () => { if (!noPython) { await server.close(); await mock.close(); } });

interface App { out: string; err: string; done: Promise<number | null>; pid: number }

function startApp(mode: string, env: NodeJS.ProcessEnv = {}, script = APP, args: string[] = []): App {
  const child = spawn('python3', [script, mode, ...args], {
    env: { ...process.env, PYTHONPATH: HELPER_DIR + EXTRA, AGENT_LENS_LIVE_URL: `ws://127.0.0.1:${server.httpPort}/live`, AGENT_LENS_TOKEN: server.token, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const app: App = { out: '', err: '', pid: child.pid!, done: new Promise((r) => child.once('close', (c) => r(c))) };
  child.stdout.on('data', (d) => { app.out += String(d); });
  child.stderr.on('data', (d) => { app.err += String(d); });
  return app;
}

const ticks = (out: string) => (out.match(/^TICK \d+$/gm) ?? []).length;
const answerOf = (out: string) => JSON.parse(/^ANSWER (.*)$/m.exec(out)![1]!) as unknown;

test('sync code: a tool call paused blocks its own thread only (another thread keeps running); the editor hears it (pid, python, the step); Continue with the city edited to Porto is what the call gets', { skip: noPython }, async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: [] });
  const app = startApp('sync');
  try {
    const answered = new Set<string>();
    const p = await editor.pause(answered);
    assert.deepEqual([p.process.pid, p.process.language], [app.pid, 'python']);
    assert.deepEqual([p.step.kind, p.step.name, p.step.input, p.step.via], ['tool', 'get_weather', { city: 'Lisbon', unit: 'celsius' }, 'test app']);
    // Paused: the other thread goes on, the call has no answer.
    const t0 = ticks(app.out);
    await waitFor('ticks while paused', () => ticks(app.out) >= t0 + 5 || undefined);
    assert.doesNotMatch(app.out, /ANSWER/);
    editor.resume(p, { city: 'Porto', unit: 'celsius' });
    assert.equal(await app.done, 0, app.err);
    assert.deepEqual(answerOf(app.out), { input: { city: 'Porto', unit: 'celsius' } });
  } finally {
    editor.close();
  }
});

test('a big edit (3 MB of arguments, frames with 64-bit lengths, many reads) reaches the paused call whole', { skip: noPython }, async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: [] });
  const app = startApp('sync');
  try {
    const p = await editor.pause(new Set());
    const big = 'Porto '.repeat(500_000);
    editor.resume(p, { city: big });
    assert.equal(await app.done, 0, app.err);
    assert.equal((answerOf(app.out) as { input: { city: string } }).input.city, big);
  } finally {
    editor.close();
  }
});

test('asyncio: a paused call awaits a future, so another task keeps running; Fail Step reaches it with the message', { skip: noPython }, async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_*'], models: [] });
  const app = startApp('async');
  try {
    const p = await editor.pause(new Set());
    const t0 = ticks(app.out);
    await waitFor('the other task ticking while paused', () => ticks(app.out) >= t0 + 5 || undefined);
    assert.doesNotMatch(app.out, /ANSWER/);
    editor.fail(p, 'the weather service is down (from the debugger)');
    assert.equal(await app.done, 0, app.err);
    assert.deepEqual(answerOf(app.out), { fail: 'the weather service is down (from the debugger)' });
  } finally {
    editor.close();
  }
});

test('a model call at a client method (keyword arguments, as the SDKs take them): paused with the request it is about to be made with; the edited request is what the method gets, its other arguments (timeout) kept; Fail Step raises instead of calling', { skip: noPython }, async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: [], models: ['gpt-4o*'] });
  try {
    const app = startApp('model');
    const p = await editor.pause(new Set());
    assert.deepEqual([p.step.kind, p.step.name, p.step.via], ['llm', 'gpt-4o-mini', 'openai chat.completions.create']);
    // (The timeout is not the request's: it is not shown, and stays as the app set it.)
    assert.deepEqual(p.step.input, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather in Lisbon?' }], temperature: 0.2 });
    editor.resume(p, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather in Porto?' }], temperature: 0 });
    assert.equal(await app.done, 0, app.err);
    assert.deepEqual(JSON.parse(/^CALLED (.*)$/m.exec(app.out)![1]!), { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather in Porto?' }], temperature: 0, timeout: 12.5 });

    const failed = startApp('model');
    editor.fail(await editor.pause(new Set([`${p.process.id}/${p.pauseId}`])), 'not now');
    assert.equal(await failed.done, 0, failed.err);
    assert.match(failed.out, /^RAISED stopped from the debugger: not now$/m);
    assert.doesNotMatch(failed.out, /CALLED/);
  } finally {
    editor.close();
  }
});

test('tools the model asks for, in an answer shaped as an OpenAI chat completion, sync and async: paused with the arguments it gave; the edit is what the app reads', { skip: noPython }, async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: [] });
  try {
    const answered = new Set<string>();
    for (const mode of ['answer', 'aanswer']) {
      const app = startApp(mode);
      const p = await editor.pause(answered);
      assert.deepEqual([p.step.kind, p.step.name, p.step.input, p.step.via], ['tool', 'get_weather', { city: 'Lisbon' }, "the model's answer (tool call call_1)"], mode);
      editor.resume(p, { city: 'Porto' });
      assert.equal(await app.done, 0, app.err);
      assert.match(app.out, /^ARGUMENTS \{"city": "Porto"\}$/m, mode);
    }
  } finally {
    editor.close();
  }
});

test('never stuck: a pause past AGENT_LENS_LIVE_PAUSE_TIMEOUT_SECONDS goes on unchanged and stderr says why; the editor leaving mid-pause lets it go; with no editor nothing waits', { skip: noPython }, async () => {
  // Timed out (1 s).
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: [] });
  const slow = startApp('sync', { AGENT_LENS_LIVE_PAUSE_TIMEOUT_SECONDS: '1' });
  await editor.pause(new Set());
  assert.equal(await slow.done, 0, slow.err);
  assert.equal(answerOf(slow.out), null);
  assert.match(slow.err, /agent-lens live gate: tool get_weather was paused for 1 s with no answer from the editor; it goes on unchanged/);
  // The editor goes mid-pause.
  const left = startApp('async');
  await editor.pause(new Set());
  editor.close();
  assert.equal(await left.done, 0, left.err);
  assert.equal(answerOf(left.out), null);
  assert.match(left.err, /no editor is attached any more; 1 paused call\(s\) go on unchanged/);
  // No editor: no pause (the call is answered at once, by the gate itself).
  const free = startApp('model');
  assert.equal(await free.done, 0, free.err);
  assert.match(free.out, /^CALLED .*"Weather in Lisbon\?"/m);
  assert.equal(free.err, '');
});

test('the receiver killed while a call is paused: the app finishes normally, the call unchanged, and stderr says why', { skip: noPython }, async () => {
  const own = await startTestServer({ dataDir: null });
  try {
    const editor = await Editor.attach(own.httpPort, own.token, { tools: ['get_weather'], models: [] });
    const child = spawn('python3', [APP, 'sync'], {
      env: { ...process.env, PYTHONPATH: HELPER_DIR + EXTRA, AGENT_LENS_LIVE_URL: `ws://127.0.0.1:${own.httpPort}/live`, AGENT_LENS_TOKEN: own.token }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += String(d); });
    child.stderr.on('data', (d) => { err += String(d); });
    const done = new Promise<number | null>((r) => child.once('close', r));
    await editor.pause(new Set());
    assert.doesNotMatch(out, /ANSWER/);
    await own.close();
    assert.equal(await done, 0, err);
    assert.equal(answerOf(out), null);
    assert.match(err, /the receiver is gone; 1 paused call\(s\) go on unchanged/);
  } finally {
    await own.close().catch(() => undefined);
  }
});

test('with the OpenTelemetry SDK: a tool stops where its span starts, saying its run, span, agent (named after the agent span started) and line; Fail Step raises there, before the tool runs; Continue runs it', { skip: noOtel }, async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: [] });
  const SPAN_APP = path.join(ROOT, 'test', 'helpers', 'live_gate_span_app.py');
  const app = startApp('', {}, SPAN_APP);
  try {
    const answered = new Set<string>();
    const first = await editor.pause(answered);
    assert.deepEqual([first.step.name, first.step.input, first.step.via, first.step.agent], ['get_weather', { city: 'Lisbon' }, 'start_span', 'planner']);
    assert.match(first.step.traceId!, /^[0-9a-f]{32}$/);
    assert.match(first.step.spanId!, /^[0-9a-f]{16}$/);
    // The line: the app's start_as_current_span of the tool (the capture helper's stamp).
    const lines = (await import('node:fs')).readFileSync(SPAN_APP, 'utf8').split('\n');
    assert.equal(first.step.source?.path, SPAN_APP);
    assert.match(lines[first.step.source!.line - 1]!, /start_as_current_span\("execute_tool get_weather"/);
    assert.doesNotMatch(app.out, /TOOL/);
    editor.fail(first, 'the weather service is down');
    const second = await editor.pause(answered);
    assert.deepEqual([second.step.input, second.step.traceId], [{ city: 'Oslo' }, first.step.traceId]);
    assert.notEqual(second.step.spanId, first.step.spanId);
    editor.resume(second);
    assert.equal(await app.done, 0, app.err);
    assert.equal(app.out, 'TOOL RAISED StoppedFromDebugger stopped from the debugger: the weather service is down\nTOOL RAN Oslo\nDONE\n');
  } finally {
    editor.close();
  }
});

// ---- On the real SDKs (test/helpers/live_gate_sdk_app.py against the mock model) ----
// Truth: the mock's request log, what the tools printed, and the spans the app's own SDK finished.

function sdkApp(mode: string): App {
  return startApp(mode, {}, SDK_APP, [mock.url]);
}
/** The pause that comes next, after checking the mock has heard nothing more while it waits. */
async function pausedWith(editor: Editor, answered: Set<string>, heard: number): Promise<LivePause> {
  const p = await editor.pause(answered);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(mock.requests.length, heard, 'the mock heard nothing while the call was paused');
  return p;
}
const toolLines = (out: string) => out.split('\n').filter((l) => l.startsWith('TOOL '));
const edits = (out: string) => Object.fromEntries([...out.matchAll(/^EDITED (.+?) (\{.*\})$/gm)].map((m) => [m[1], JSON.parse(m[2]!) as Record<string, unknown>]));
/** The mock's request n as the chat it read: the tool results, by tool call id. */
const resultsIn = (n: number): Record<string, string> => Object.fromEntries(mock.requests[n]!.messages.filter((m) => m.role === 'tool').map((m) => [m.tool_call_id ?? '', String(m.content)]));
const callsIn = (n: number) => mock.requests[n]!.messages.flatMap((m) => m.tool_calls ?? []).map((c) => [c.function.name, JSON.parse(c.function.arguments) as unknown]);

test('the openai SDK (sync), with the app\'s spans: chat.completions.create paused before the mock hears it, the question edited there is what the mock gets; get_weather stopped in the answer, edited to Porto, runs with Porto and the model hears of it; both spans say they were edited and keep the originals', { skip: noSdk.openai }, async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: ['gpt-4o-mini'] });
  const heard0 = mock.requests.length;
  const app = sdkApp('openai');
  try {
    const answered = new Set<string>();
    const call = await pausedWith(editor, answered, heard0);
    assert.deepEqual([call.step.kind, call.step.name, call.step.via, call.step.agent], ['llm', 'gpt-4o-mini', 'openai chat.completions.create', 'travel']);
    const request = call.step.input as { messages: { role: string; content: string }[]; tools: unknown[]; temperature: number };
    assert.deepEqual([request.messages, request.tools.length, request.temperature], [[{ role: 'user', content: QUESTION }], 2, 0.2]);
    editor.resume(call, { ...request, messages: [{ role: 'user', content: QUESTION.replace('Lisbon', 'Porto') }] });
    const tool = await pausedWith(editor, answered, heard0 + 1);
    assert.equal(mock.requests[heard0]!.messages[0]!.content, QUESTION.replace('Lisbon', 'Porto'));
    assert.deepEqual([tool.step.kind, tool.step.name, tool.step.input, tool.step.agent], ['tool', 'get_weather', TOOL_ARGS.get_weather, 'travel']);
    assert.match(tool.step.via!, /^the model's answer \(tool call call_\d+_0\)$/);
    assert.deepEqual(toolLines(app.out), []);
    editor.resume(tool, { ...TOOL_ARGS.get_weather, city: 'Porto' });
    // The next model call stops again (the breakpoint names the model): it carries the edited call and its result.
    const second = await pausedWith(editor, answered, heard0 + 1);
    editor.resume(second);
    assert.equal(await app.done, 0, app.err);
    assert.deepEqual(toolLines(app.out), [`TOOL get_weather ${JSON.stringify({ city: 'Porto', unit: 'celsius' })}`, `TOOL search_flights ${JSON.stringify(TOOL_ARGS.search_flights, Object.keys(TOOL_ARGS.search_flights!).sort())}`]);
    assert.deepEqual(callsIn(heard0 + 1), [['get_weather', { city: 'Porto', unit: 'celsius' }], ['search_flights', TOOL_ARGS.search_flights]]);
    assert.match(Object.values(resultsIn(heard0 + 1))[0]!, /"city": "Porto"/);
    assert.match(app.out, /^ANSWER Lisbon will be 18°C/m);
    const marked = edits(app.out);
    assert.deepEqual(Object.keys(marked).sort(), ['chat gpt-4o-mini', 'execute_tool get_weather']);
    assert.equal((JSON.parse(String(marked['chat gpt-4o-mini']!['agent_lens.original_request'])) as typeof request).messages[0]!.content, QUESTION);
    assert.deepEqual(JSON.parse(String(marked['execute_tool get_weather']!['agent_lens.original_arguments'])), TOOL_ARGS.get_weather);
    assert.equal(app.err, '');
  } finally {
    editor.close();
  }
});

test('the openai SDK with asyncio: while a call is paused another task keeps running; search_flights failed from the debugger where the model asked for it does not run, and the model is told it failed', { skip: noSdk.openai }, async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['search_flights'], models: [] });
  const heard0 = mock.requests.length;
  const app = sdkApp('aopenai');
  try {
    const answered = new Set<string>();
    const tool = await pausedWith(editor, answered, heard0 + 1);
    assert.deepEqual([tool.step.name, tool.step.input], ['search_flights', TOOL_ARGS.search_flights]);
    const ticks0 = ticks(app.out);
    await waitFor('ticks while paused', () => ticks(app.out) >= ticks0 + 5);
    editor.fail(tool, 'the flight search is down');
    // The model is told it failed (its next request), and asks for it once more: let that one run.
    const retry = await pausedWith(editor, answered, heard0 + 2);
    assert.deepEqual(Object.values(resultsIn(heard0 + 1)).map((r) => /stopped from the debugger: the flight search is down/.test(r)), [false, true]);
    assert.equal(retry.step.name, 'search_flights');
    editor.resume(retry);
    assert.equal(await app.done, 0, app.err);
    assert.deepEqual(toolLines(app.out), [`TOOL get_weather ${JSON.stringify({ city: 'Lisbon', unit: 'celsius' })}`,
      'TOOL FAILED search_flights stopped from the debugger: the flight search is down',
      `TOOL search_flights ${JSON.stringify(TOOL_ARGS.search_flights, Object.keys(TOOL_ARGS.search_flights!).sort())}`]);
    assert.equal(app.err, '');
  } finally {
    editor.close();
  }
});

test('the anthropic SDK: messages.create paused with its system prompt, the edit is what the mock gets; a tool paused where its span starts goes on with Continue', { skip: noSdk.anthropic }, async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: ['gpt-4o-mini'] });
  const heard0 = mock.requests.length;
  const app = sdkApp('anthropic');
  try {
    const answered = new Set<string>();
    const call = await pausedWith(editor, answered, heard0);
    assert.deepEqual([call.step.name, call.step.via], ['gpt-4o-mini', 'anthropic messages.create']);
    const request = call.step.input as { system: string; max_tokens: number; messages: unknown[] };
    assert.deepEqual([request.system, request.max_tokens, request.messages], ['You plan trips.', 512, [{ role: 'user', content: QUESTION }]]);
    editor.resume(call, { ...request, system: 'You plan trips by train.' });
    const tool = await pausedWith(editor, answered, heard0 + 1);
    assert.deepEqual(mock.requests[heard0]!.messages[0], { role: 'system', content: 'You plan trips by train.' });
    assert.deepEqual([tool.step.name, tool.step.input, tool.step.via, tool.step.agent], ['get_weather', TOOL_ARGS.get_weather, 'start_span', 'travel']);
    editor.resume(tool);
    editor.resume(await editor.pause(answered));
    assert.equal(await app.done, 0, app.err);
    assert.equal(toolLines(app.out)[0], `TOOL get_weather ${JSON.stringify({ city: 'Lisbon', unit: 'celsius' })}`);
    assert.match(app.out, /^ANSWER Lisbon will be 18°C/m);
    assert.deepEqual(Object.keys(edits(app.out)), ['chat gpt-4o-mini']);
  } finally {
    editor.close();
  }
});

// The agent frameworks: each runs its own tool loop against the mock; the model asks for
// get_weather and a second tool at once. Where the pause is: the framework's own tool call, or
// (Pydantic AI, whose OpenAI chat answers the gate reads) the model's answer, not twice.
const FRAMEWORKS = [
  { mode: 'agents', label: 'the OpenAI Agents SDK (function_tool)', skip: noSdk.agents, second: 'search_flights', secondArgs: { to: 'LIS', date: '2026-12-04' }, toolSpan: undefined },
  { mode: 'strands', label: 'Strands Agents (@tool)', skip: noSdk.strands, second: 'search_flights', secondArgs: { to: 'LIS', date: '2026-12-04' }, toolSpan: 'execute_tool get_weather' },
  { mode: 'langgraph', label: 'LangGraph (ToolNode, LangChain @tool)', skip: noSdk.langgraph, second: 'search_flights', secondArgs: TOOL_ARGS.search_flights, toolSpan: undefined },
  { mode: 'pydantic_ai', label: 'Pydantic AI (tool_plain)', skip: noSdk.pydanticAi, second: 'find_hotels', secondArgs: { query: QUESTION }, toolSpan: 'execute_tool get_weather' },
];
for (const f of FRAMEWORKS) {
  test(`${f.label}: its tools stop before they run, with their arguments by name; get_weather edited to Porto runs with Porto, ${f.second} failed from the debugger does not run, and the model hears both (its next request)`, { skip: f.skip }, async () => {
    const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather', f.second], models: [] });
    const heard0 = mock.requests.length;
    const app = sdkApp(f.mode);
    try {
      const answered = new Set<string>();
      // (Some frameworks run the two at once, so both wait together; some one after the other.)
      const byName = new Map<string, LivePause>();
      for (let i = 0; i < 2; i++) {
        const p = await pausedWith(editor, answered, heard0 + 1);
        byName.set(p.step.name, p);
        if (p.step.name === 'get_weather') {
          assert.deepEqual(p.step.input, TOOL_ARGS.get_weather);
          assert.doesNotMatch(app.out, /TOOL get_weather/);
          editor.resume(p, { city: 'Porto', unit: 'celsius' });
        } else {
          assert.deepEqual([p.step.name, p.step.input], [f.second, f.secondArgs]);
          editor.fail(p, 'the service is down');
        }
      }
      assert.equal(await app.done, 0, app.err);
      // Each call stopped once; the tool ran with the edit, the failed one not at all.
      assert.equal(byName.size, 2);
      assert.equal(editor.waiting(answered), undefined);
      assert.deepEqual(toolLines(app.out), [`TOOL get_weather ${JSON.stringify({ city: 'Porto', unit: 'celsius' })}`]);
      const results = Object.values(resultsIn(heard0 + 1));
      assert.equal(results.length, 2);
      assert.ok(results.some((r) => r.includes('Porto')), JSON.stringify(results));
      assert.ok(results.some((r) => r.includes('stopped from the debugger: the service is down')), JSON.stringify(results));
      // The recording: the tool's span (where the framework has one) says it was edited, and from what.
      if (f.toolSpan) assert.deepEqual(JSON.parse(String(edits(app.out)[f.toolSpan]?.['agent_lens.original_arguments'])), TOOL_ARGS.get_weather, app.out);
      assert.doesNotMatch(app.err, /agent-lens/);
    } finally {
      editor.close();
    }
  });
}

test('break on failed step: a model call that raises stops after it failed, before the app sees the error; then the error goes on', { skip: noPython }, async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: [], models: [], failed: true });
  try {
    const child = spawn('python3', [APP, 'model', 'no-such-model'], {
      env: { ...process.env, PYTHONPATH: HELPER_DIR + EXTRA, AGENT_LENS_LIVE_URL: `ws://127.0.0.1:${server.httpPort}/live`, AGENT_LENS_TOKEN: server.token }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += String(d); });
    const done = new Promise((r) => child.once('close', r));
    const p = await editor.pause(new Set());
    assert.deepEqual([p.step.kind, p.step.name, p.step.failed], ['llm', 'no-such-model', 'LookupError: the model no-such-model does not exist']);
    assert.doesNotMatch(out, /RAISED/);
    editor.resume(p);
    assert.equal(await done, 0);
    assert.match(out, /^RAISED the model no-such-model does not exist$/m);
  } finally {
    editor.close();
  }
});
