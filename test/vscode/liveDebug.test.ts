// The live debug session as a protocol peer (@vscode/debugadapter-testsupport's DebugClient talks
// DAP to it over a socket, as VS Code does), over the extension's client of a real receiver, with
// a real app (test/helpers/liveApp.ts: the openai SDK under the official instrumentation) started
// with the capture helper's gate against the mock model. The truth is the mock's request log and
// the app's own output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as fs from 'node:fs';
import WebSocket from 'ws';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { startTestServer } from '../helpers/server';
import { startMockModel, type MockModel } from '../../src/demo/mockModel';
import { LiveSession, liveBreakpointsOf, liveSourceOf, type PausedInput } from '../../src/vscode/debug/live';
import { ServerClient } from '../../src/vscode/client';
import { LIVE_APP } from '../helpers/liveApp';
import { liveBreaks, mergeBreakpoints } from '../../src/protocol';
import type { RunningServer } from '../../src/server/server';

const ROOT = path.join(__dirname, '..', '..');
const HELPER = path.join(ROOT, 'dist', 'capture-node.js');
const APP = path.join(ROOT, 'dist-test', 'helpers', 'liveApp.js');
let server: RunningServer;
let mock: MockModel;
let client: ServerClient;
let tcp: net.Server;
/** A second adapter server whose sessions read JSON documents (as the extension's Edit Paused Call as JSON opens them), by pause key. */
let tcpDocs: net.Server;
const docs = new Map<string, string>();

before(async () => {
  server = await startTestServer({ dataDir: null });
  mock = await startMockModel();
  client = new ServerClient({ pid: process.pid, host: '127.0.0.1', httpPort: server.httpPort, grpcPort: server.grpcPort, token: server.token, version: '', dataDir: '', uiUrl: '', startedAt: 0 } as never);
  await client.connect();
  tcp = net.createServer((socket) => {
    const s = new LiveSession(liveSourceOf(client));
    s.setRunAsServer(true);
    s.start(socket, socket);
  }).listen(0, '127.0.0.1');
  await new Promise((r) => tcp.once('listening', r));
  tcpDocs = net.createServer((socket) => {
    const s = new LiveSession(liveSourceOf(client), (key) => docs.get(key));
    s.setRunAsServer(true);
    s.start(socket, socket);
  }).listen(0, '127.0.0.1');
  await new Promise((r) => tcpDocs.once('listening', r));
});
after(async () => { tcp.close(); tcpDocs.close(); client.close(); await mock.close(); await server.close(); });

function startApp(env: Record<string, string> = {}): { out: () => string; err: () => string; done: Promise<number | null> } {
  const child = spawn(process.execPath, [APP, `http://127.0.0.1:${server.httpPort}`, mock.url], {
    env: { ...process.env, ...env, NODE_OPTIONS: `--require ${HELPER}`, AGENT_LENS_LIVE_URL: `ws://127.0.0.1:${server.httpPort}/live`, AGENT_LENS_TOKEN: server.token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '', err = '';
  child.stdout.on('data', (d) => { out += String(d); });
  child.stderr.on('data', (d) => { err += String(d); });
  return { out: () => out, err: () => err, done: new Promise((r) => child.once('exit', r)) };
}

async function attach(names: (string | DebugProtocol.FunctionBreakpoint)[], set?: (r: DebugProtocol.SetFunctionBreakpointsResponse) => void, exceptions: string[] = [], server = tcp): Promise<DebugClient> {
  const dc = new DebugClient('node', '', 'agent-lens');
  await dc.start((server.address() as net.AddressInfo).port);
  const init = await dc.initializeRequest();
  assert.deepEqual(init.body?.exceptionBreakpointFilters?.map((f) => [f.filter, f.label, f.default]), [['failed', 'Failed steps', false]]);
  if (exceptions.length) await dc.setExceptionBreakpointsRequest({ filters: exceptions });
  const r = await dc.setFunctionBreakpointsRequest({ breakpoints: names.map((b) => (typeof b === 'string' ? { name: b } : b)) });
  set?.(r);
  await dc.attachRequest({ live: true } as DebugProtocol.AttachRequestArguments);
  await dc.configurationDoneRequest();
  return dc;
}

/** The variables under a reference, by name. */
async function vars(dc: DebugClient, ref: number): Promise<Map<string, DebugProtocol.Variable>> {
  return new Map((await dc.variablesRequest({ variablesReference: ref })).body.variables.map((v) => [v.name, v]));
}

test('breakpoints by name: a name is a tool\'s or a model\'s, * in it stands for any text, several editors\' together', () => {
  const bp = liveBreakpointsOf(['get_weather', ' gpt-4o* ']);
  assert.deepEqual(bp, { tools: ['get_weather', 'gpt-4o*'], models: ['get_weather', 'gpt-4o*'] });
  assert.equal(liveBreaks(bp, 'tool', 'get_weather'), true);
  assert.equal(liveBreaks(bp, 'llm', 'gpt-4o-mini'), true);
  assert.equal(liveBreaks(bp, 'llm', 'gpt-4'), false);
  assert.equal(liveBreaks(bp, 'tool', 'search_flights'), false);
  assert.equal(liveBreaks(liveBreakpointsOf(['*']), 'tool', 'anything'), true);
  assert.equal(liveBreaks({ tools: ['a*c*e'], models: [] }, 'tool', 'abcde'), true);
  assert.equal(liveBreaks({ tools: ['a*c*e'], models: [] }, 'tool', 'ace'), true);
  assert.equal(liveBreaks({ tools: ['a*c*e'], models: [] }, 'tool', 'acd'), false);
  assert.equal(liveBreaks(null, 'tool', 'get_weather'), false);
  assert.deepEqual(mergeBreakpoints([{ tools: ['b'], models: [] }, { tools: ['a'], models: '*' }]), { tools: ['a', 'b'], models: '*' });
  assert.equal(mergeBreakpoints([]), null);
  // Break on failed step: on when any editor has it on.
  assert.deepEqual(mergeBreakpoints([{ tools: ['b'], models: [] }, { tools: [], models: [], failed: true }]), { tools: ['b'], models: [], failed: true });
  assert.deepEqual(mergeBreakpoints([{ tools: ['b'], models: [], failed: false }]), { tools: ['b'], models: [] });
});

test('live attach: the model call stops as a thread of its process; Variables show the question; Set Value changes Lisbon to Porto; Continue sends the edited call', async () => {
  const dc = await attach([LIVE_APP.model]);
  const before = mock.requests.length;
  const app = startApp();
  try {
    const stop = await dc.waitForEvent('stopped', 30_000) as DebugProtocol.StoppedEvent;
    assert.equal(stop.body.reason, 'function breakpoint');
    assert.equal(stop.body.description, `Paused before model call ${LIVE_APP.model} runs`);
    const threads = (await dc.threadsRequest()).body.threads;
    assert.equal(threads.length, 1);
    // A thread per process and agent: the app's agent span names it (gen_ai.agent.name).
    assert.match(threads[0]!.name, /^agent live-agent · \S+ \(pid \d+\)$/);
    const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId! })).body.stackFrames;
    assert.equal(frames[0]!.name, `model call ${LIVE_APP.model} < agent live-agent (before it runs)`);
    // The frame is the app's line that made the call (the capture helper's stamp on its span).
    const src = frames[0]!.source!;
    assert.equal(src.path, APP);
    assert.match(fs.readFileSync(APP, 'utf8').split('\n')[frames[0]!.line - 1]!, /chat\.completions\.create\(/);
    const scopes = (await dc.scopesRequest({ frameId: frames[0]!.id })).body.scopes;
    assert.deepEqual(scopes.map((s) => s.name), ['Request', 'Call']);
    const request = await vars(dc, scopes[0]!.variablesReference);
    assert.equal(request.get('model')!.value, JSON.stringify(LIVE_APP.model));
    const messages = await vars(dc, request.get('messages')!.variablesReference);
    const first = await vars(dc, messages.get('[0]')!.variablesReference);
    assert.equal(first.get('content')!.value, JSON.stringify(LIVE_APP.user));
    // Paused: the model has not been asked.
    assert.equal(mock.requests.length, before);
    const porto = LIVE_APP.user.replace('Lisbon', 'Porto');
    const set = await dc.setVariableRequest({ variablesReference: messages.get('[0]')!.variablesReference, name: 'content', value: JSON.stringify(porto) });
    assert.equal(set.body.value, JSON.stringify(porto));
    // The edit shows when looked at again.
    assert.equal((await vars(dc, messages.get('[0]')!.variablesReference)).get('content')!.value, JSON.stringify(porto));
    await dc.continueRequest({ threadId: stop.body.threadId! });
    // The second call stops the same way; the mock has had the edited one.
    const second = await dc.waitForEvent('stopped', 30_000) as DebugProtocol.StoppedEvent;
    assert.equal(mock.requests.length, before + 1);
    assert.equal(mock.requests[before]!.messages.find((m) => m.role === 'user')?.content, porto);
    await dc.continueRequest({ threadId: second.body.threadId! });
    assert.equal(await app.done, 0, app.err());
    // An edit changes that call, not the app: its next call asks its own question again.
    assert.equal(mock.requests[before + 1]!.messages.find((m) => m.role === 'user')?.content, LIVE_APP.user);
  } finally {
    await dc.stop();
  }
});

test('live attach on a tool, the issue\'s own case: Variables show city = "Lisbon", Set Value to "Porto", Continue: the tool runs with Porto', async () => {
  const dc = await attach(['get_weather']);
  const before = mock.requests.length;
  const app = startApp();
  try {
    const stop = await dc.waitForEvent('stopped', 30_000) as DebugProtocol.StoppedEvent;
    const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId! })).body.stackFrames;
    const scope = (await dc.scopesRequest({ frameId: frames[0]!.id })).body.scopes[0]!;
    assert.equal(scope.name, 'Arguments');
    assert.equal((await vars(dc, scope.variablesReference)).get('city')!.value, '"Lisbon"');
    await dc.setVariableRequest({ variablesReference: scope.variablesReference, name: 'city', value: '"Porto"' });
    await dc.continueRequest({ threadId: stop.body.threadId! });
    assert.equal(await app.done, 0, app.err());
    // The tool's own log, and the model's next request (the mock's log).
    assert.match(app.out(), /TOOL get_weather \{"city":"Porto","unit":"celsius"\}/);
    const call = mock.requests[before + 1]!.messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.function.name === 'get_weather')!;
    assert.equal(JSON.parse(call.function.arguments).city, 'Porto');
  } finally {
    await dc.stop();
  }
});

test('live attach on a tool: Fail Step makes it raise in the app, which tells the model; detaching mid-pause lets the call go on unchanged', async () => {
  const dc = await attach(['get_weather']);
  const before = mock.requests.length;
  const app = startApp();
  try {
    const stop = await dc.waitForEvent('stopped', 30_000) as DebugProtocol.StoppedEvent;
    assert.equal(stop.body.description, 'Paused before tool get_weather runs');
    const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId! })).body.stackFrames;
    const args = await vars(dc, (await dc.scopesRequest({ frameId: frames[0]!.id })).body.scopes[0]!.variablesReference);
    assert.equal(args.get('city')!.value, '"Lisbon"');
    assert.doesNotMatch(app.out(), /TOOL get_weather/);
    await dc.customRequest('failStep', { threadId: stop.body.threadId, message: 'the weather service is down' });
    // The model, told of the error, asks for the tool again: it stops again, and goes on.
    const again = await dc.waitForEvent('stopped', 30_000) as DebugProtocol.StoppedEvent;
    assert.equal(mock.requests.length, before + 2);
    await dc.continueRequest({ threadId: again.body.threadId! });
    assert.equal(await app.done, 0, app.err());
    assert.doesNotMatch(app.out(), /TOOL get_weather/);
    const tools = mock.requests[before + 1]!.messages.filter((m) => m.role === 'tool').map((m) => String(m.content));
    assert.ok(tools.includes(JSON.stringify({ error: 'the weather service is down' })), tools.join(' | '));
  } finally {
    await dc.stop();
  }

  // Detached while a call waits: it goes on as it was.
  const dc2 = await attach([LIVE_APP.model]);
  const from = mock.requests.length;
  const app2 = startApp();
  await dc2.waitForEvent('stopped', 30_000);
  await dc2.disconnectRequest({});
  await dc2.stop();
  assert.equal(await app2.done, 0, app2.err());
  assert.equal(mock.requests[from]!.messages.find((m) => m.role === 'user')?.content, LIVE_APP.user);
  assert.match(app2.err(), /no editor is attached any more; 1 paused call\(s\) go on unchanged/);
});

test('live conditions and hit counts, as for a recording: a tool call whose arguments the condition rules out runs at once; the second model call stops on a hit count of 2; a condition that does not parse says why and stops nothing', async () => {
  // The app runs get_weather itself first (Oslo), then the model asks for it (Lisbon).
  let verified: DebugProtocol.Breakpoint[] = [];
  const dc = await attach([{ name: 'get_weather', condition: 'args.city == "Lisbon"' }, { name: LIVE_APP.model, hitCondition: '2' }, { name: 'search_flights', condition: 'args.from ==' }],
    (r) => { verified = r.body.breakpoints; });
  assert.deepEqual(verified.map((b) => b.verified), [true, true, false]);
  assert.match(verified[2]!.message!, /^condition: /);
  const before = mock.requests.length;
  const app = startApp({ LIVE_APP_DIRECT_TOOL: '1' });
  try {
    // First stop: get_weather with Lisbon, where the model's first answer asks for it. Before it,
    // the app's own get_weather with Oslo ran (its condition does not hold), and the first model
    // call went on (a hit count of 2): the mock has had it.
    const first = await dc.waitForEvent('stopped', 30_000) as DebugProtocol.StoppedEvent;
    const frames = (await dc.stackTraceRequest({ threadId: first.body.threadId! })).body.stackFrames;
    assert.equal(frames[0]!.name, 'tool get_weather < agent live-agent (before it runs)');
    const args = await vars(dc, (await dc.scopesRequest({ frameId: frames[0]!.id })).body.scopes[0]!.variablesReference);
    assert.equal(args.get('city')!.value, '"Lisbon"');
    assert.equal(mock.requests.length, before + 1);
    assert.match(app.out(), /TOOL get_weather \{"city":"Oslo"\}/);
    assert.doesNotMatch(app.out(), /Lisbon/);
    await dc.continueRequest({ threadId: first.body.threadId! });
    // Then the second model call stops, before the mock hears it.
    const second = await dc.waitForEvent('stopped', 30_000) as DebugProtocol.StoppedEvent;
    assert.equal(second.body.description, `Paused before model call ${LIVE_APP.model} runs`);
    assert.equal(mock.requests.length, before + 1);
    assert.match(app.out(), /TOOL get_weather \{"city":"Lisbon"/);
    await dc.continueRequest({ threadId: second.body.threadId! });
    assert.equal(await app.done, 0, app.err());
    assert.equal(mock.requests.length, before + 2);
    // search_flights ran without a stop (its breakpoint's condition does not parse).
    assert.match(app.out(), /TOOL search_flights/);
  } finally {
    await dc.stop();
  }
});

test('a paused call without a line of its own (its span has no call site): the frame is a page about it, with its arguments, which the editor opens', async () => {
  const dc = await attach(['lookup_order']);
  // A gate as an app's helper speaks it, without code attributes to give.
  const g = new WebSocket(`ws://127.0.0.1:${server.httpPort}/live?token=${server.token}`);
  const heard: { type: string; pauseId?: string }[] = [];
  g.on('message', (d) => heard.push(JSON.parse(String(d))));
  await new Promise((r, j) => { g.once('open', r); g.once('error', j); });
  try {
    g.send(JSON.stringify({ type: 'hello', protocolVersion: 1, pid: 4242, language: 'python', service: 'orders' }));
    await new Promise((r) => setTimeout(r, 200));
    g.send(JSON.stringify({ type: 'paused', pauseId: 'q1', step: { kind: 'tool', name: 'lookup_order', input: { order: 'A-17' }, via: 'test', agent: 'support' } }));
    const stop = await dc.waitForEvent('stopped', 10_000) as DebugProtocol.StoppedEvent;
    const frame = (await dc.stackTraceRequest({ threadId: stop.body.threadId! })).body.stackFrames[0]!;
    assert.equal(frame.name, 'tool lookup_order < agent support (before it runs)');
    assert.equal(frame.source!.path, undefined);
    assert.ok(frame.source!.sourceReference! > 0);
    const page = (await dc.sourceRequest({ source: frame.source, sourceReference: frame.source!.sourceReference! })).body;
    assert.equal(page.mimeType, 'text/markdown');
    assert.match(page.content, /^# Paused before tool lookup_order runs/);
    assert.match(page.content, /- process: orders \(pid 4242\)/);
    assert.ok(page.content.includes(JSON.stringify({ order: 'A-17' }, null, 2)));
    await dc.continueRequest({ threadId: stop.body.threadId! });
    await waitForResume(heard, 'q1');
  } finally {
    g.close();
    await dc.stop();
  }
});

async function waitForResume(heard: { type: string; pauseId?: string }[], pauseId: string): Promise<void> {
  for (let i = 0; i < 200 && !heard.some((m) => m.type === 'resume' && m.pauseId === pauseId); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(heard.some((m) => m.type === 'resume' && m.pauseId === pauseId), JSON.stringify(heard));
}

test('"Failed steps" live: a tool that raises stops after it failed (reason exception, the message in Exception Info); what ran cannot be edited or failed again; Continue lets the failure go on to the app', async () => {
  const dc = await attach([], undefined, ['failed']);
  const before = mock.requests.length;
  const app = startApp({ LIVE_APP_FAIL_TOOL: 'get_weather' });
  try {
    const stop = await dc.waitForEvent('stopped', 30_000) as DebugProtocol.StoppedEvent;
    assert.deepEqual([stop.body.reason, stop.body.description, stop.body.text], ['exception', 'Paused after tool get_weather failed', 'get_weather: the weather service timed out']);
    const info = (await dc.exceptionInfoRequest({ threadId: stop.body.threadId! })).body;
    assert.deepEqual([info.exceptionId, info.description, info.breakMode], ['failed step', 'get_weather: the weather service timed out', 'always']);
    const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId! })).body.stackFrames;
    assert.equal(frames[0]!.name, 'tool get_weather < agent live-agent (failed)');
    const args = (await dc.scopesRequest({ frameId: frames[0]!.id })).body.scopes[0]!;
    assert.equal((await vars(dc, args.variablesReference)).get('city')!.value, '"Lisbon"');
    await assert.rejects(dc.setVariableRequest({ variablesReference: args.variablesReference, name: 'city', value: '"Porto"' }), /this call has run \(it failed\)/);
    await assert.rejects(dc.customRequest('failStep', { threadId: stop.body.threadId, message: 'x' }), /has failed already/);
    // Held: the model has not heard of the failure.
    assert.equal(mock.requests.length, before + 1);
    await dc.continueRequest({ threadId: stop.body.threadId! });
    assert.equal(await app.done, 0, app.err());
    const tools = mock.requests[before + 1]!.messages.filter((m) => m.role === 'tool').map((m) => String(m.content));
    assert.ok(tools.includes(JSON.stringify({ error: 'get_weather: the weather service timed out' })), tools.join(' | '));
  } finally {
    await dc.stop();
  }
});

test('a bigger edit as a JSON document: pausedInput gives the request and the pause\'s key; the document\'s text is what Continue sends (a whole message list replaced); a document that does not parse keeps the call paused and says why', async () => {
  const dc = await attach([LIVE_APP.model], undefined, [], tcpDocs);
  const before = mock.requests.length;
  const app = startApp();
  try {
    const stop = await dc.waitForEvent('stopped', 30_000) as DebugProtocol.StoppedEvent;
    const p = (await dc.customRequest('pausedInput', { threadId: stop.body.threadId })).body as PausedInput;
    assert.deepEqual([p.kind, p.name], ['llm', LIVE_APP.model]);
    const request = p.input as { model: string; messages: { role: string; content: string }[] };
    assert.equal(request.messages.find((m) => m.role === 'user')?.content, LIVE_APP.user);
    // The document, as a person would edit it: the conversation replaced whole.
    const messages = [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'Plan a weekend in Porto instead.' }];
    docs.set(p.key, '{ "model": "gpt-4o-mini", "messages": [ oops');
    await assert.rejects(dc.continueRequest({ threadId: stop.body.threadId! }), /the JSON document for model call gpt-4o-mini does not parse/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(mock.requests.length, before);
    docs.set(p.key, JSON.stringify({ ...request, messages }, null, 2));
    await dc.continueRequest({ threadId: stop.body.threadId! });
    const second = await dc.waitForEvent('stopped', 30_000) as DebugProtocol.StoppedEvent;
    assert.deepEqual(mock.requests[before]!.messages, messages);
    await dc.continueRequest({ threadId: second.body.threadId! });
    assert.equal(await app.done, 0, app.err());
  } finally {
    await dc.stop();
  }
});
