// The replay debug adapter as a protocol peer: @vscode/debugadapter-testsupport's DebugClient
// talks DAP to the session over a socket, as VS Code does. The runs are recorded from real apps:
// the OpenAI-instrumented agent against the mock model (under the call-site helper, so model
// calls know their line), and the captured LangGraph run (a tool that failed, with its truth).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { calcPrice } from '@pydantic/genai-prices';
import { startTestServer, api, waitFor } from '../helpers/server';
import { startMockModel, type MockModel } from '../../src/demo/mockModel';
import { postCapture, truthOf } from '../helpers/captures';
import { ReplaySession, type ReplaySource, type StepEventBody } from '../../src/vscode/debug/session';
import { clientSource } from '../../src/vscode/debug/source';
import { ServerClient } from '../../src/vscode/client';
import type { RunningServer } from '../../src/server/server';
import type { TraceListResponse, TraceResponse } from '../../src/protocol';

const ROOT = path.join(__dirname, '..', '..');
const APP = path.join(ROOT, 'dist-test', 'helpers', 'agentRun.js');
const HELPER = path.join(ROOT, 'dist', 'capture-node.js');
let server: RunningServer;
let mock: MockModel;
let client: ServerClient;
let source: ReplaySource;
let tcp: net.Server;
let agentTrace: string;

async function runAgent(flavour: 'otel' | 'vercel' = 'otel'): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [APP, flavour, `http://127.0.0.1:${server.httpPort}`, mock.url],
    { env: { ...process.env, NODE_OPTIONS: `--require ${HELPER}` }, timeout: 60_000 });
  const { traceId } = JSON.parse(stdout.trim().split('\n').pop()!) as { traceId: string };
  await waitFor('the agent run', async () => {
    const t = await api(server)<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
    return t && t.spans.length >= 5 && !t.summary.rootPending ? t : undefined;
  });
  return traceId;
}

before(async () => {
  server = await startTestServer({ dataDir: null });
  mock = await startMockModel();
  client = new ServerClient({ pid: process.pid, host: '127.0.0.1', httpPort: server.httpPort, grpcPort: server.grpcPort, token: server.token, version: '', dataDir: '', uiUrl: '', startedAt: 0 } as never);
  await client.connect();
  source = clientSource(client, { resolvePath: async (p) => (fs.existsSync(p) ? p : undefined) });
  tcp = net.createServer((socket) => {
    const s = new ReplaySession(source);
    s.setRunAsServer(true);
    s.start(socket, socket);
  }).listen(0, '127.0.0.1');
  await new Promise((r) => tcp.once('listening', r));
  await postCapture('langgraph', server.httpPort);
  agentTrace = await runAgent();
});
after(async () => { tcp.close(); client.close(); await mock.close(); await server.close(); });

/** A client connected to a fresh session; every stop and step event is recorded. */
async function connect(): Promise<{ dc: DebugClient; stops: DebugProtocol.StoppedEvent[]; steps: StepEventBody[]; outputs: string[] }> {
  const dc = new DebugClient('node', '', 'agent-lens');
  await dc.start((tcp.address() as net.AddressInfo).port);
  const stops: DebugProtocol.StoppedEvent[] = [], steps: StepEventBody[] = [], outputs: string[] = [];
  dc.on('stopped', (e: DebugProtocol.StoppedEvent) => stops.push(e));
  dc.on('agentLens.step', (e: DebugProtocol.Event) => steps.push(e.body as StepEventBody));
  dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e.body.output));
  return { dc, stops, steps, outputs };
}

/** initialize → launch → (initialized) configure → configurationDone → the first stop. */
async function launch(dc: DebugClient, args: Record<string, unknown>, configure: () => Promise<unknown> = async () => undefined): Promise<DebugProtocol.StoppedEvent> {
  await dc.initializeRequest({ adapterID: 'agent-lens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const launched = dc.launchRequest(args as DebugProtocol.LaunchRequestArguments);
  await dc.waitForEvent('initialized');
  await configure();
  // Listening before the stop can come: it may arrive with the launch response.
  const stopped = dc.waitForEvent('stopped');
  await dc.configurationDoneRequest();
  await launched;
  return await stopped as DebugProtocol.StoppedEvent;
}

/** The next stop after a request. */
async function after_(dc: DebugClient, req: Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped');
  await req;
  return await stopped as DebugProtocol.StoppedEvent;
}

/** Attaches with a function breakpoint on `fn`, runs an agent, and waits for the stop it causes. */
async function attachAndRun(dc: DebugClient, fn: string, run: () => Promise<string>): Promise<{ traceId: string; stop: DebugProtocol.StoppedEvent }> {
  await dc.initializeRequest({ adapterID: 'agent-lens', pathFormat: 'path' });
  const attached = dc.attachRequest({} as DebugProtocol.AttachRequestArguments);
  await dc.waitForEvent('initialized');
  await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: fn }] });
  await dc.configurationDoneRequest();
  await attached;
  const stopped = dc.waitForEvent('stopped', 60_000);
  const traceId = await run();
  return { traceId, stop: await stopped as DebugProtocol.StoppedEvent };
}

async function topFrame(dc: DebugClient, threadId: number): Promise<DebugProtocol.StackFrame> {
  return (await dc.stackTraceRequest({ threadId })).body.stackFrames[0]!;
}

async function scopeVars(dc: DebugClient, frameId: number, scope: string): Promise<Record<string, DebugProtocol.Variable>> {
  const scopes = (await dc.scopesRequest({ frameId })).body.scopes;
  const s = scopes.find((x) => x.name === scope);
  assert.ok(s, `scope ${scope} in ${scopes.map((x) => x.name).join(', ')}`);
  return Object.fromEntries((await dc.variablesRequest({ variablesReference: s.variablesReference })).body.variables.map((v) => [v.name, v]));
}

test('golden: the agent run stepped forwards and back over DAP', async () => {
  const { dc, steps } = await connect();
  try {
    const first = await launch(dc, { traceId: agentTrace });
    const line = async (e: DebugProtocol.StoppedEvent) => `${e.body.reason}: ${(await topFrame(dc, e.body.threadId!)).name}`;
    const transcript = [await line(first)];
    for (const [what, req] of [
      ['in', () => dc.stepInRequest({ threadId: 1 })], ['over', () => dc.nextRequest({ threadId: 1 })], ['over', () => dc.nextRequest({ threadId: 1 })],
      ['back', () => dc.stepBackRequest({ threadId: 1 })], ['back', () => dc.stepBackRequest({ threadId: 1 })], ['out', () => dc.stepOutRequest({ threadId: 1 })],
      ['reverse', () => dc.reverseContinueRequest({ threadId: 1 })], ['continue', () => dc.continueRequest({ threadId: 1 })],
    ] as const) transcript.push(`${what} -> ${await line(await after_(dc, req()))}`);
    const model = 'LLM gpt-4o-mini-2024-07-18';
    assert.deepEqual(transcript, [
      'entry: agent travel-agent',
      `in -> step: ${model}`,
      'over -> step: tool get_weather',
      'over -> step: tool search_flights',
      'back -> step: tool get_weather',
      `back -> step: ${model}`,
      'out -> step: agent travel-agent (after its steps)',
      'reverse -> entry: agent travel-agent',
      `continue -> pause: ${model}`,
    ]);
    // One thread, the agent; every stop told the run view which step it is.
    assert.deepEqual((await dc.threadsRequest()).body.threads.map((t) => t.name), ['agent travel-agent']);
    assert.equal(steps.length, transcript.length);
    assert.ok(steps.every((s) => s.traceId === agentTrace));
  } finally {
    await dc.stop();
  }
});

test('a function breakpoint on a tool stops there; its Variables show the arguments; step back is the model call, with the mock\'s tokens and genai-prices\' cost', async () => {
  const { dc } = await connect();
  try {
    let bpId = 0;
    const stop = await launch(dc, { traceId: agentTrace, stopOnEntry: false }, async () => {
      const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'get_weather' }] });
      assert.equal(r.body.breakpoints[0]!.verified, true);
      bpId = r.body.breakpoints[0]!.id!;
    });
    assert.equal(stop.body.reason, 'function breakpoint');
    assert.equal(stop.body.description, 'breakpoint: tool get_weather');
    assert.deepEqual(stop.body.hitBreakpointIds, [bpId]);
    const tool = await topFrame(dc, stop.body.threadId!);
    const call = await scopeVars(dc, tool.id, 'Tool call');
    assert.equal(call.tool!.value, '"get_weather"');
    const args = (await dc.variablesRequest({ variablesReference: call.args!.variablesReference })).body.variables;
    // The arguments the model asked for, read from the model call's own output.
    const back = await after_(dc, dc.stepBackRequest({ threadId: stop.body.threadId! }));
    const llm = await topFrame(dc, back.body.threadId!);
    assert.equal(llm.name, 'LLM gpt-4o-mini-2024-07-18');
    const asked = (await dc.evaluateRequest({ expression: 'output[0].parts', frameId: llm.id, context: 'watch' })).body;
    const parts = (await dc.variablesRequest({ variablesReference: asked.variablesReference })).body.variables;
    assert.ok(parts.some((p) => p.value.startsWith('tool_call get_weather(') && args.every((a) => p.value.includes(`"${a.name}":${a.value}`))), `${JSON.stringify(parts)} vs ${JSON.stringify(args)}`);
    // The model call's frame is at the line that made it (the call-site helper recorded it).
    assert.equal(llm.source?.path, APP);
    assert.equal(fs.readFileSync(APP, 'utf8').split('\n')[llm.line - 1]!.includes('client.chat.completions.create('), true);
    const tokens = await scopeVars(dc, llm.id, 'Tokens and cost');
    assert.equal(Number(tokens.input!.value), mock.usages[0]!.prompt_tokens);
    assert.equal(Number(tokens.output!.value), mock.usages[0]!.completion_tokens);
    const price = calcPrice({ input_tokens: mock.usages[0]!.prompt_tokens, output_tokens: mock.usages[0]!.completion_tokens }, 'gpt-4o-mini-2024-07-18', { providerId: 'openai' })!.total_price;
    assert.ok(Math.abs(Number(tokens.costUsd!.value) - price) < 1e-12, `${tokens.costUsd!.value} vs ${price}`);
    // Watch and the Debug Console evaluate on the frame; bad input is a clear error.
    assert.equal((await dc.evaluateRequest({ expression: 'usage.input + usage.output', frameId: llm.id, context: 'watch' })).body.result, String(mock.usages[0]!.total_tokens));
    await assert.rejects(dc.evaluateRequest({ expression: 'usage.input >', frameId: llm.id, context: 'repl' }), /the expression ends where a value was expected/);
    await assert.rejects(dc.evaluateRequest({ expression: 'cost', frameId: llm.id, context: 'hover' }), /unknown name "cost"/);
  } finally {
    await dc.stop();
  }
});

test('source breakpoints on the line a model call was made, exception breakpoints on a failed tool (LangGraph capture)', async () => {
  const createLine = fs.readFileSync(APP, 'utf8').split('\n').findIndex((l) => l.includes('client.chat.completions.create(')) + 1;
  const { dc } = await connect();
  try {
    const stop = await launch(dc, { traceId: agentTrace, stopOnEntry: false }, async () => {
      const r = await dc.setBreakpointsRequest({ source: { path: APP }, breakpoints: [{ line: createLine }, { line: 1 }] });
      assert.deepEqual(r.body.breakpoints.map((b) => b.verified), [true, false]);
      assert.match(r.body.breakpoints[1]!.message!, /no step of this run was made at line 1 of agentRun\.js/);
    });
    assert.equal(stop.body.reason, 'breakpoint');
    assert.match(stop.body.description!, new RegExp(`^breakpoint: agentRun\\.js:${createLine} \\(LLM gpt-4o-mini`));
    assert.equal((await topFrame(dc, stop.body.threadId!)).line, createLine);
  } finally {
    await dc.stop();
  }

  const truth = truthOf('langgraph');
  const failed = truth.turns.flatMap((t) => t.tool_calls).find((c) => c.error)!;
  const list = await api(server)<TraceListResponse>('/api/traces?limit=50');
  const run = list.traces.find((t) => t.errorCount > 0 && t.traceId !== agentTrace)!;
  const second = await connect();
  try {
    const stop = await launch(second.dc, { traceId: run.traceId, stopOnEntry: false }, () => second.dc.setExceptionBreakpointsRequest({ filters: ['failed'] }));
    assert.equal(stop.body.reason, 'exception');
    assert.ok(stop.body.description!.startsWith('exception: step failed: '), stop.body.description);
    assert.ok(stop.body.description!.includes(failed.error!.message) || stop.body.text!.includes(failed.error!.type), `${stop.body.description} / ${failed.error!.message}`);
    const frame = await topFrame(second.dc, stop.body.threadId!);
    assert.equal((await second.dc.evaluateRequest({ expression: 'tool', frameId: frame.id, context: 'watch' })).body.result, `"${failed.name}"`);
    // The frame has no source line: it opens the step's document, served by the adapter.
    const doc = (await second.dc.sourceRequest({ source: frame.source!, sourceReference: frame.source!.sourceReference! })).body.content;
    assert.match(doc, new RegExp(`^# tool ${failed.name}`));
    assert.match(doc, /status: error/);
  } finally {
    await second.dc.stop();
  }
});

test('bad input: an unknown run, a condition that does not parse, a run deleted mid-session; the session stays usable', async () => {
  let { dc } = await connect();
  try {
    await dc.initializeRequest({ adapterID: 'agent-lens', pathFormat: 'path' });
    await assert.rejects(dc.launchRequest({ traceId: 'ab'.repeat(16) } as DebugProtocol.LaunchRequestArguments), /cannot replay: no run abab.* in the receiver/);
  } finally {
    await dc.stop();
  }
  ({ dc } = await connect());
  try {
    await dc.initializeRequest({ adapterID: 'agent-lens', pathFormat: 'path' });
    await assert.rejects(dc.launchRequest({ traceId: 'latest-one' } as DebugProtocol.LaunchRequestArguments), /"traceId" must be a trace id: 32 hexadecimal digits in a string \(got "latest-one"\)/);
  } finally {
    await dc.stop();
  }
  // Launch arguments of the wrong type or length: a short message each (a 5 MB trace id is not echoed whole).
  for (const [args, msg] of [
    [{ traceId: 12345 }, /"traceId" must be .* \(got number 12345\)$/],
    [{ traceId: 'a'.repeat(5 << 20) }, /\(got "a{39}… \(5,242,882 characters\)\)$/],
    [{ run: 'newest' }, /"run" can only be "latest" \(got "newest"\)$/],
    [{ stopOnEntry: 'yes' }, /"stopOnEntry" must be true or false/],
    [{ startAt: { span: 1 } }, /"startAt" must be a span id: .*\(got an object\)$/],
  ] as const) {
    ({ dc } = await connect());
    try {
      await dc.initializeRequest({ adapterID: 'agent-lens', pathFormat: 'path' });
      await assert.rejects(dc.launchRequest(args as unknown as DebugProtocol.LaunchRequestArguments), (e: Error) => msg.test(e.message) && e.message.length < 300);
    } finally {
      await dc.stop();
    }
  }
  // A run of its own, to delete.
  const doomed = await runAgent();
  const s = await connect();
  dc = s.dc;
  try {
    await launch(dc, { traceId: doomed }, async () => {
      const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: '*', condition: 'usage.input >>' }, { name: 'search_flights', hitCondition: 'often' }] });
      assert.deepEqual(r.body.breakpoints.map((b) => b.verified), [false, false]);
      assert.match(r.body.breakpoints[0]!.message!, /condition: expected a value at 14, found ">"/);
      assert.match(r.body.breakpoints[1]!.message!, /a hit count is a number/);
    });
    await api(server)(`/api/traces/${doomed}`, { method: 'DELETE' });
    await waitFor('the session to hear of it', () => s.outputs.find((o) => o.includes(`The run ${doomed} was deleted`)));
    const next = await after_(dc, dc.stepInRequest({ threadId: 1 }));
    const f = await topFrame(dc, next.body.threadId!);
    assert.equal(f.name, 'LLM gpt-4o-mini-2024-07-18');
    assert.ok((await dc.scopesRequest({ frameId: f.id })).body.scopes.length >= 4);
    // The run view's "Run to Step": a span that is not in the run is an error; one that is, a stop.
    await assert.rejects(dc.customRequest('runToStep', { spanId: '0123456789abcdef' }), /no step 0123456789abcdef/);
  } finally {
    await dc.stop();
  }
});

test('attach: follows runs as they arrive and stops when a breakpoint matches a step that just came in; Run to Step from there', async () => {
  const { dc, steps } = await connect();
  try {
    const { traceId, stop } = await attachAndRun(dc, 'search_flights', () => runAgent());
    assert.equal(stop.body.description, 'breakpoint: tool search_flights');
    assert.equal(steps[steps.length - 1]!.traceId, traceId);
    const t = await api(server)<TraceResponse>(`/api/traces/${traceId}`);
    // The Call Stack, Variables and the next step start from the step it stopped at, not the run's first.
    const tool = t.spans.find((x) => x.genai?.toolName === 'search_flights')!;
    assert.equal(steps[steps.length - 1]!.spanId, tool.spanId);
    const top = await topFrame(dc, stop.body.threadId!);
    assert.equal(top.name, 'tool search_flights');
    assert.equal((await dc.evaluateRequest({ expression: 'tool', frameId: top.id, context: 'watch' })).body.result, '"search_flights"');
    const next = await after_(dc, dc.stepInRequest({ threadId: stop.body.threadId! }));
    const nextSpan = t.spans.find((x) => x.spanId === steps[steps.length - 1]!.spanId)!;
    assert.ok(BigInt(nextSpan.startTimeUnixNano) >= BigInt(tool.startTimeUnixNano), `stepped from ${tool.name} to ${nextSpan.name}`);
    assert.notEqual(nextSpan.spanId, tool.spanId);
    assert.ok((await dc.stackTraceRequest({ threadId: next.body.threadId! })).body.stackFrames.length >= 1, 'a call stack after Step Into');
    const llm = t.spans.find((x) => x.genai?.kind === 'llm')!;
    const went = await after_(dc, dc.customRequest('runToStep', { spanId: llm.spanId }));
    assert.equal(went.body.reason, 'goto');
    assert.equal(steps[steps.length - 1]!.spanId, llm.spanId);
  } finally {
    await dc.stop();
  }
});

test('attach with a Vercel AI SDK app: a function breakpoint on a tool stops at the tool (ai.toolCall), and the Call Stack shows it', async () => {
  const { dc, steps } = await connect();
  try {
    const { traceId, stop } = await attachAndRun(dc, 'get_weather', () => runAgent('vercel'));
    const t = await api(server)<TraceResponse>(`/api/traces/${traceId}`);
    const tool = t.spans.find((x) => x.name === 'ai.toolCall' && JSON.stringify(x.attributes).includes('get_weather'));
    assert.ok(tool, `an ai.toolCall span for get_weather in ${t.spans.map((x) => x.name).join(', ')}`);
    assert.equal(stop.body.description, 'breakpoint: tool get_weather');
    assert.equal(steps[steps.length - 1]!.spanId, tool.spanId);
    const frames = (await dc.stackTraceRequest({ threadId: stop.body.threadId! })).body.stackFrames;
    assert.equal(frames[0]!.name, 'tool get_weather', frames.map((f) => f.name).join(' < '));
    assert.equal((await dc.evaluateRequest({ expression: 'tool', frameId: frames[0]!.id, context: 'watch' })).body.result, '"get_weather"');
  } finally {
    await dc.stop();
  }
});
