// Pausing the live agent in Node (capture/node/gate.ts): a real app on the openai SDK under the
// official instrumentation (test/helpers/liveApp.ts), started with the capture helper and the
// gate's environment as the editor starts apps, against the mock model; the editor is a WebSocket
// client of the receiver's feed. The truth is the mock model's own request log and the app's own
// output: a paused model call reaches the mock only once answered, with the editor's edit; a tool
// failed from the debugger raises in the app, which answers the model with the error; nothing the
// gate does keeps the app from finishing when the editor goes, the pause times out, or the
// receiver dies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { startTestServer, api, waitFor, spawnServer, killServers } from '../helpers/server';
import { startMockModel, TOOL_ARGS, type ChatRequest, type MockModel } from '../../src/demo/mockModel';
import { LIVE_APP } from '../helpers/liveApp';
import { Editor } from '../helpers/liveEditor';
import type { RunningServer } from '../../src/server/server';
import type { LivePause, TraceResponse } from '../../src/protocol';

const ROOT = path.join(__dirname, '..', '..');
const HELPER = path.join(ROOT, 'dist', 'capture-node.js');
const APP = path.join(ROOT, 'dist-test', 'helpers', 'liveApp.js');
let server: RunningServer;
let mock: MockModel;
before(async () => { server = await startTestServer({ dataDir: null }); mock = await startMockModel(); });
after(async () => { await mock.close(); await server.close(); killServers(); });

interface App { out: string; err: string; done: Promise<number | null>; pid: number }

/** The app, started as the editor starts it: the helper required, the gate's address and token in its environment. */
function startApp(port: number, token: string, env: NodeJS.ProcessEnv = {}, args = [APP, `http://127.0.0.1:${port}`, mock.url]): App {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, NODE_OPTIONS: `--require ${HELPER}`, AGENT_LENS_LIVE_URL: `ws://127.0.0.1:${port}/live`, AGENT_LENS_TOKEN: token, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const app: App = { out: '', err: '', pid: child.pid!, done: new Promise((r) => child.once('close', (code) => r(code))) };
  child.stdout.on('data', (d) => { app.out += String(d); });
  child.stderr.on('data', (d) => { app.err += String(d); });
  return app;
}

const userText = (r: ChatRequest | undefined) => r?.messages.find((m) => m.role === 'user')?.content;
const traceOf = (app: App) => (JSON.parse(app.out.trim().split('\n').pop()!) as { traceId: string }).traceId;

test('a model call paused before it is sent: the mock hears nothing until Continue, then the edited question (Porto); the span says it was edited and keeps the original', async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: [], models: [LIVE_APP.model] });
  const before = mock.requests.length;
  const app = startApp(server.httpPort, server.token);
  const answered = new Set<string>();
  const first = await editor.pause(answered);
  assert.equal(first.step.kind, 'llm');
  assert.equal(first.step.name, LIVE_APP.model);
  assert.equal(first.process.pid, app.pid);
  const request = first.step.input as ChatRequest;
  assert.equal(userText(request), LIVE_APP.user);
  // Paused: the model has not been asked.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(mock.requests.length, before);
  const edited = { ...request, messages: request.messages.map((m) => (m.role === 'user' ? { ...m, content: String(m.content).replace('Lisbon', 'Porto') } : m)) };
  editor.resume(first, edited);
  // The second call (after the tools): the mock has the edited question, and nothing else yet.
  const second = await editor.pause(answered);
  assert.equal(mock.requests.length, before + 1);
  assert.equal(userText(mock.requests[before]), LIVE_APP.user.replace('Lisbon', 'Porto'));
  assert.deepEqual(mock.requests[before], JSON.parse(JSON.stringify(edited)));
  editor.resume(second);
  assert.equal(await app.done, 0, app.err);
  editor.close();
  // Unchanged: the second request is what the app sent, the tool results in it.
  assert.deepEqual(mock.requests[before + 1], (second.step.input as ChatRequest));
  assert.match(app.out, /TOOL get_weather/);
  assert.equal(app.err, '');
  // The recording says what was changed, and what it was.
  const traceId = traceOf(app);
  const t = await waitFor('the run', async () => {
    const r = await api(server)<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
    return r && r.spans.filter((s) => s.genai?.kind === 'llm').length >= 2 ? r : undefined;
  });
  const llm = t.spans.filter((s) => s.genai?.kind === 'llm').sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1));
  const attr = (s: typeof llm[0], k: string) => s.attributes.find((a) => a.key === k)?.value;
  assert.deepEqual(attr(llm[0]!, 'agent_lens.edited'), { boolValue: true });
  assert.equal(JSON.parse(String((attr(llm[0]!, 'agent_lens.original_request') as { stringValue?: string } | undefined)?.stringValue)).messages[0].content, LIVE_APP.user);
  assert.equal(attr(llm[1]!, 'agent_lens.edited'), undefined);
  // Each pause said where it was: the run, the model call's own span (as the run recorded them),
  // and the agent above it (the app's invoke_agent span).
  assert.deepEqual([first.step.traceId, first.step.spanId, first.step.agent], [traceId, llm[0]!.spanId, 'live-agent']);
  assert.deepEqual([second.step.traceId, second.step.spanId, second.step.agent], [traceId, llm[1]!.spanId, 'live-agent']);
});

test('a tool stopped where the model asked for it: its arguments edited to Porto, the tool runs with Porto (its own log), and the model next hears of the call as edited; no second stop at its span', async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: [] });
  const before = mock.requests.length;
  const app = startApp(server.httpPort, server.token);
  const answered = new Set<string>();
  const p = await editor.pause(answered);
  assert.deepEqual([p.step.kind, p.step.name], ['tool', 'get_weather']);
  assert.match(p.step.via, /^the model's answer \(tool call call_\d+_0\)$/);
  // The arguments the model asked for (the mock's script).
  assert.deepEqual(p.step.input, TOOL_ARGS.get_weather);
  assert.doesNotMatch(app.out, /TOOL get_weather/);
  editor.resume(p, { ...TOOL_ARGS.get_weather, city: 'Porto' });
  assert.equal(await app.done, 0, app.err);
  editor.close();
  assert.match(app.out, /TOOL get_weather \{"city":"Porto","unit":"celsius"\}/);
  // The model's next request: the assistant's call as edited (the mock's own log).
  const asked = mock.requests[before + 1]!.messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.function.name === 'get_weather');
  assert.deepEqual(JSON.parse(asked!.function.arguments), { ...TOOL_ARGS.get_weather, city: 'Porto' });
  // One stop for that call: none again where its span started.
  assert.equal(new Set(editor.heard.flatMap((m) => (m.type === 'live' ? m.pauses.map((x) => `${x.process.id}/${x.pauseId}`) : []))).size, 1);
  // The recording: the tool's span says it was edited and keeps what the model asked; the other tool's does not.
  const traceId = traceOf(app);
  const t = await waitFor('the run', async () => {
    const r = await api(server)<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
    return r && r.spans.filter((s) => s.genai?.kind === 'tool').length >= 2 ? r : undefined;
  });
  const attrs = (name: string) => Object.fromEntries(t.spans.find((s) => s.genai?.kind === 'tool' && s.name.endsWith(name))!.attributes
    .filter((a) => a.key.startsWith('agent_lens.edited') || a.key.startsWith('agent_lens.original')).map((a) => [a.key, Object.values(a.value)[0]]));
  assert.deepEqual(Object.keys(attrs('get_weather')).sort(), ['agent_lens.edited', 'agent_lens.original_arguments']);
  assert.deepEqual(JSON.parse(String(attrs('get_weather')['agent_lens.original_arguments'])), TOOL_ARGS.get_weather);
  assert.deepEqual(attrs('search_flights'), {});
});

test('the Vercel AI SDK: its model call stops at fetch, and its tool where the model asked for it; the city edited to Porto reaches the tool\'s execute (its own log) and the model\'s next request (the mock\'s log)', async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: [LIVE_APP.model] });
  const before = mock.requests.length;
  const app = startApp(server.httpPort, server.token, { LIVE_APP_SDK: 'vercel' });
  const answered = new Set<string>();
  const model = await editor.pause(answered);
  assert.deepEqual([model.step.kind, model.step.name, model.step.via], ['llm', LIVE_APP.model, 'fetch POST /v1/chat/completions']);
  assert.equal(mock.requests.length, before);
  editor.resume(model);
  const tool = await editor.pause(answered);
  assert.deepEqual([tool.step.kind, tool.step.name, tool.step.input], ['tool', 'get_weather', TOOL_ARGS.get_weather]);
  assert.equal(mock.requests.length, before + 1);
  editor.resume(tool, { ...TOOL_ARGS.get_weather, city: 'Porto' });
  // Its next model calls stop too: each let go as it is, until the app is done.
  let exited = false;
  void app.done.then(() => { exited = true; });
  while (!exited) {
    const next = editor.waiting(answered);
    if (next) editor.resume(next); else await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(await app.done, 0, app.err);
  editor.close();
  assert.match(app.out, /TOOL get_weather \{"city":"Porto","unit":"celsius"\}/);
  const call = mock.requests[before + 1]!.messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.function.name === 'get_weather')!;
  assert.equal(JSON.parse(call.function.arguments).city, 'Porto');
});

test('a streamed answer: the tool call put together from its pieces stops; the city edited to Porto reaches the tool (its own log) and the model\'s next request (the mock\'s log)', async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: [] });
  const before = mock.requests.length;
  const app = startApp(server.httpPort, server.token, { LIVE_APP_STREAM: '1' });
  const p = await editor.pause(new Set());
  assert.equal(mock.requests[before]!.stream, true);
  assert.match(p.step.via, /^the model's streamed answer \(tool call call_\d+_0\)$/);
  assert.deepEqual(p.step.input, TOOL_ARGS.get_weather);
  assert.doesNotMatch(app.out, /TOOL get_weather/);
  editor.resume(p, { ...TOOL_ARGS.get_weather, city: 'Porto' });
  assert.equal(await app.done, 0, app.err);
  editor.close();
  assert.match(app.out, /TOOL get_weather \{"city":"Porto","unit":"celsius"\}/);
  assert.match(app.out, /TOOL search_flights/);
  const call = mock.requests[before + 1]!.messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.function.name === 'get_weather')!;
  assert.deepEqual(JSON.parse(call.function.arguments), { ...TOOL_ARGS.get_weather, city: 'Porto' });
});

test('a tool the app runs on its own stops where its span starts, and runs once let go', async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: [] });
  const app = startApp(server.httpPort, server.token, { LIVE_APP_DIRECT_TOOL: '1' });
  const answered = new Set<string>();
  const p = await editor.pause(answered);
  assert.deepEqual([p.step.name, p.step.via, p.step.input], ['get_weather', 'startActiveSpan', { city: 'Oslo' }]);
  assert.doesNotMatch(app.out, /TOOL get_weather/);
  editor.resume(p);
  // Then the model asks for it: stopped at its answer, let go as it is.
  editor.resume(await editor.pause(answered));
  assert.equal(await app.done, 0, app.err);
  editor.close();
  assert.match(app.out, /TOOL get_weather \{"city":"Oslo"\}\nTOOL get_weather \{"city":"Lisbon","unit":"celsius"\}/);
});

test('a tool failed from the debugger where the model asked for it: it has not run; it raises when the app starts it, and the app answers the model with the error; the other tool runs', async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: [] });
  const before = mock.requests.length;
  const app = startApp(server.httpPort, server.token);
  const answered = new Set<string>();
  const p = await editor.pause(answered);
  assert.deepEqual(p.step.input, TOOL_ARGS.get_weather);
  assert.doesNotMatch(app.out, /TOOL get_weather/);
  editor.fail(p, 'the weather service is down (failed from the debugger)');
  // The model, told of the error, asks for the tool again (the mock's script): let go this time.
  const retry = await editor.pause(answered);
  assert.notEqual(retry.step.via, p.step.via);
  assert.equal(mock.requests.length, before + 2);
  editor.resume(retry);
  assert.equal(await app.done, 0, app.err);
  editor.close();
  assert.doesNotMatch(app.out, /TOOL get_weather/);
  assert.match(app.out, /TOOL search_flights/);
  const tool = mock.requests[before + 1]!.messages.filter((m) => m.role === 'tool').map((m) => String(m.content));
  assert.ok(tool.includes(JSON.stringify({ error: 'the weather service is down (failed from the debugger)' })), tool.join(' | '));
});

test('nothing attached: no pause, the app runs as without the gate; the editor leaving mid-pause, or the pause timing out, lets the call go on unchanged and the app says why', async () => {
  // No editor: the run goes straight through.
  const before = mock.requests.length;
  const plain = startApp(server.httpPort, server.token);
  assert.equal(await plain.done, 0, plain.err);
  assert.equal(plain.err, '');
  assert.equal(userText(mock.requests[before]), LIVE_APP.user);

  // The editor goes while a call waits.
  const editor = await Editor.attach(server.httpPort, server.token, { tools: [], models: '*' });
  const left = startApp(server.httpPort, server.token);
  await editor.pause(new Set());
  const asked = mock.requests.length;
  editor.close();
  assert.equal(await left.done, 0, left.err);
  assert.equal(userText(mock.requests[asked]), LIVE_APP.user);
  assert.match(left.err, /agent-lens live gate: no editor is attached any more; 1 paused call\(s\) go on unchanged/);

  // An editor that never answers: the pause times out (1 s here).
  const silent = await Editor.attach(server.httpPort, server.token, { tools: [], models: '*' });
  const waited = startApp(server.httpPort, server.token, { AGENT_LENS_LIVE_PAUSE_TIMEOUT_SECONDS: '1' });
  assert.equal(await waited.done, 0, waited.err);
  silent.close();
  assert.equal(waited.err.match(/model call gpt-4o-mini was paused for 1 s with no answer from the editor; it goes on unchanged/g)?.length, 2, waited.err);
});

test('the receiver killed while a call is paused: the app finishes normally, the call unchanged', async () => {
  const srv = await spawnServer(['--no-persist', '--http-port', '0', '--grpc-port', '0']);
  const editor = await Editor.attach(srv.ready.httpPort, srv.ready.token, { tools: [], models: '*' });
  const app = startApp(srv.ready.httpPort, srv.ready.token);
  await editor.pause(new Set());
  const asked = mock.requests.length;
  srv.child.kill('SIGKILL');
  assert.equal(await app.done, 0, app.err);
  assert.equal(userText(mock.requests[asked]), LIVE_APP.user);
  assert.match(app.err, /the Agent Lens receiver went away; 1 paused call\(s\) go on unchanged/);
  assert.match(app.out, /ANSWER /);
});

test('the sample agent (its tools set their attributes after the span starts): get_weather stops once, in the model\'s answer, not again where its span starts; edited to Porto, the tool says Porto', async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: [] });
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'demo.js')], {
    env: { ...process.env, NODE_OPTIONS: `--require ${HELPER}`, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${server.httpPort}`,
      AGENT_LENS_LIVE_URL: `ws://127.0.0.1:${server.httpPort}/live`, AGENT_LENS_TOKEN: server.token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '', err = '';
  child.stdout.on('data', (d) => { out += String(d); });
  child.stderr.on('data', (d) => { err += String(d); });
  let exited = false;
  const done = new Promise<number | null>((r) => child.once('close', (c) => { exited = true; r(c); }));
  const answered = new Set<string>();
  const pauses: LivePause[] = [];
  // Every pause is answered (the first with Porto) until the sample ends.
  while (!exited) {
    const p = await editor.pause(answered, 500).catch(() => undefined);
    if (!p) continue;
    pauses.push(p);
    editor.resume(p, pauses.length === 1 ? { ...(p.step.input as object), city: 'Porto' } : undefined);
  }
  assert.equal(await done, 0, err);
  editor.close();
  assert.ok(pauses.length >= 1);
  for (const p of pauses) assert.deepEqual([p.step.name, /^the model's answer/.test(p.step.via)], ['get_weather', true], p.step.via);
  assert.equal((pauses[0]!.step.input as { city?: string }).city, 'Lisbon');
  assert.equal(pauses[0]!.step.agent, 'travel-planner');
  assert.match(out, /tool get_weather → \{"city":"Porto"/);
});

test('break on failed step: a tool that raises stops after it failed, before its failure reaches the app (the model has not heard of it); a model call answered 404 stops before the SDK raises; each goes on as it came', async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: [], models: [], failed: true });
  const before = mock.requests.length;
  const app = startApp(server.httpPort, server.token, { LIVE_APP_FAIL_TOOL: 'get_weather' });
  const answered = new Set<string>();
  const p = await editor.pause(answered);
  assert.deepEqual([p.step.kind, p.step.name, p.step.via, p.step.failed], ['tool', 'get_weather', 'startActiveSpan', 'get_weather: the weather service timed out']);
  assert.deepEqual(p.step.input, TOOL_ARGS.get_weather);
  // Held: the model's next request (which would carry the error) has not been made.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(mock.requests.length, before + 1);
  editor.resume(p);
  assert.equal(await app.done, 0, app.err);
  // It went on as it came: the app answered the model with the tool's error, and no other call stopped.
  const tools = mock.requests[before + 1]!.messages.filter((m) => m.role === 'tool').map((m) => String(m.content));
  assert.ok(tools.includes(JSON.stringify({ error: 'get_weather: the weather service timed out' })), tools.join(' | '));
  assert.equal(editor.waiting(answered), undefined);

  // A model call whose answer is an error status (a model that does not exist).
  const bad = startApp(server.httpPort, server.token, { LIVE_APP_MODEL: 'no-such-model' });
  const q = await editor.pause(answered);
  assert.deepEqual([q.step.kind, q.step.name], ['llm', 'no-such-model']);
  assert.match(q.step.failed!, /^HTTP 404 Not Found: \{"error":\{"message":"The model `no-such-model` does not exist/);
  await new Promise((r) => setTimeout(r, 200));
  assert.doesNotMatch(bad.err, /404/);
  editor.resume(q);
  assert.notEqual(await bad.done, 0);
  assert.match(bad.err, /404/);
  editor.close();
});

// The same edit through each API and SDK: OpenAI responses and Anthropic messages, streamed or
// not, and the OpenAI Agents SDK (its runner runs the function tools, over OpenAI responses).
const EDIT_CASES: { label: string; env: NodeJS.ProcessEnv; stream: boolean }[] = [
  ...([['responses', false], ['responses', true], ['anthropic', false], ['anthropic', true]] as const).map(([api, stream]) => ({
    label: `${api === 'responses' ? 'OpenAI responses' : 'Anthropic messages'}${stream ? ', streamed' : ''} (the ${api === 'responses' ? 'openai' : '@anthropic-ai/sdk'} SDK)`,
    env: { LIVE_APP_API: api, ...(stream ? { LIVE_APP_STREAM: '1' } : {}) }, stream,
  })),
  { label: 'the OpenAI Agents SDK (its runner runs the function tools)', env: { LIVE_APP_SDK: 'agents' }, stream: false },
];
for (const { label, env, stream } of EDIT_CASES) {
  test(`${label}: get_weather stops in the model's answer with the arguments it gave; edited to Porto, the tool runs with Porto and the model's next request carries the call as edited`, async () => {
    const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: [] });
    const before = mock.requests.length;
    const app = startApp(server.httpPort, server.token, env);
    const p = await editor.pause(new Set());
    assert.deepEqual([p.step.kind, p.step.name, p.step.input], ['tool', 'get_weather', TOOL_ARGS.get_weather]);
    assert.match(p.step.via, stream ? /^the model's streamed answer \(tool call \S+\)$/ : /^the model's answer \(tool call \S+\)$/);
    assert.doesNotMatch(app.out, /TOOL get_weather/);
    editor.resume(p, { ...TOOL_ARGS.get_weather, city: 'Porto' });
    assert.equal(await app.done, 0, app.err);
    editor.close();
    assert.match(app.out, /TOOL get_weather \{"city":"Porto","unit":"celsius"\}/);
    assert.match(app.out, /TOOL search_flights/);
    // The model's next request, as the mock read it: the call as edited, and its result.
    const call = mock.requests[before + 1]!.messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.function.name === 'get_weather')!;
    assert.deepEqual(JSON.parse(call.function.arguments), { ...TOOL_ARGS.get_weather, city: 'Porto' });
    assert.match(app.out, /^ANSWER Lisbon will be 18°C/m);
  });
}

// The SDK loaded with require (its exports replaced as they load) and with import (an ES module,
// whose exports cannot be: the helper's module loader hook rewrites the line declaring tool()).
const ESM_APP = path.join(ROOT, 'test', 'helpers', 'live_agents_esm.mjs');
const AGENTS_LOADS = [
  { how: 'require', start: () => startApp(server.httpPort, server.token, { LIVE_APP_SDK: 'agents' }) },
  { how: 'import (an ES module)', start: () => startApp(server.httpPort, server.token, {}, [ESM_APP, mock.url]) },
];
for (const load of AGENTS_LOADS) test(`the OpenAI Agents SDK, by ${load.how}: a function tool failed from the debugger where the model asked for it does not run (its execute raises the message, which the SDK tells the model); the other tool runs`, async () => {
  const editor = await Editor.attach(server.httpPort, server.token, { tools: ['get_weather'], models: [] });
  const before = mock.requests.length;
  const app = load.start();
  editor.fail(await editor.pause(new Set()), 'the weather service is down (from the debugger)');
  assert.equal(await app.done, 0, app.err);
  editor.close();
  assert.doesNotMatch(app.out, /TOOL get_weather/);
  assert.match(app.out, /TOOL search_flights/);
  // The model hears that the tool failed, in the SDK's own words for a tool error (it keeps the message to itself by default).
  const req = mock.requests[before + 1]!;
  const idOf = (name: string) => req.messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.function.name === name)!.id;
  const output = (name: string) => String(req.messages.find((m) => m.role === 'tool' && m.tool_call_id === idOf(name))?.content);
  assert.match(output('get_weather'), /^An error occurred while running the tool/);
  assert.equal(output('search_flights'), JSON.stringify({ flight: 'TP 541', price_eur: 89 }));
});
