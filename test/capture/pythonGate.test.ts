// Pausing the live agent in Python (capture/python/agent_lens_gate.py, started by the shipped
// sitecustomize): a Python process started with the helper directory first on PYTHONPATH and the
// gate's environment, as the editor starts apps, against a real receiver; the editor is a
// WebSocket client of the receiver's feed (test/helpers/liveEditor.ts). The app is
// test/helpers/live_gate_app.py (standard library only, so it runs wherever python3 does). The
// truth is what the app printed and what the editor heard.
//
// The hooks on the openai and anthropic SDKs and on the OpenTelemetry SDK's spans need those
// packages, which cannot be installed on the machine this was written on: `noSdks` says so, and
// the model-call wrapper is tested here on a client method with the SDKs' calling convention.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { startTestServer, waitFor } from '../helpers/server';
import { Editor } from '../helpers/liveEditor';
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
const sdks = noPython || spawnSync('python3', ['-c', 'import openai, opentelemetry.sdk.trace'], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: EXTRA.slice(1) } });
const noSdks = typeof sdks === 'string' ? sdks : sdks.status !== 0
  ? 'the openai and OpenTelemetry Python SDKs are not installed here (python3 -c "import openai, opentelemetry.sdk.trace" fails); the gate\'s hooks on them are tested where they are' : false;

let server: RunningServer;
before(async () => { if (!noPython) server = await startTestServer({ dataDir: null }); });
after(async () => { if (!noPython) await server.close(); });

interface App { out: string; err: string; done: Promise<number | null>; pid: number }

function startApp(mode: string, env: NodeJS.ProcessEnv = {}, script = APP): App {
  const child = spawn('python3', [script, mode], {
    env: { ...process.env, PYTHONPATH: HELPER_DIR + EXTRA, AGENT_LENS_LIVE_URL: `ws://127.0.0.1:${server.httpPort}/live`, AGENT_LENS_TOKEN: server.token, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const app: App = { out: '', err: '', pid: child.pid!, done: new Promise((r) => child.once('exit', (c) => r(c))) };
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

// (Skipped wherever it runs, saying why: the run against the real SDKs is the next step.)
test('with the openai and OpenTelemetry SDKs: chat.completions.create paused and edited, sync and async; a tool edited in the model\'s answer; a tool span paused where it starts', {
  skip: noSdks || 'the SDKs import here, but the run against them is not written yet: it was written where they cannot be installed (issue 25)',
}, () => undefined);

test('break on failed step: a model call that raises stops after it failed, before the app sees the error; then the error goes on', { skip: noPython }, async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: [], models: [], failed: true });
  try {
    const child = spawn('python3', [APP, 'model', 'no-such-model'], {
      env: { ...process.env, PYTHONPATH: HELPER_DIR + EXTRA, AGENT_LENS_LIVE_URL: `ws://127.0.0.1:${server.httpPort}/live`, AGENT_LENS_TOKEN: server.token }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += String(d); });
    const done = new Promise((r) => child.once('exit', r));
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
