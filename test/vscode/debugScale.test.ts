// The replay debugger on a 100,000-step run (the real SDK's spans, 83 minutes of run time; one
// prompt edited by the test). A launch reads the run's tree, not its whole answer (over 100 MB),
// and a step's content is loaded when something looks at it: the Variables of the step it stops
// at, a Watch, a condition that reads prompts (in batches, ahead of the cursor only as far as the
// motion goes). Truth: the run the test made (span ids, the edited prompt), and what the source
// was asked for, counted by a wrapper around the extension's own source.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { startTestServer, api } from '../helpers/server';
import { longRunBodies, type LongRun } from '../helpers/syntheticRuns';
import { ReplaySession, type ReplaySource } from '../../src/vscode/debug/session';
import { clientSource } from '../../src/vscode/debug/source';
import { ServerClient } from '../../src/vscode/client';
import type { RunningServer } from '../../src/server/server';
import type { SpansResponse } from '../../src/protocol';

const STEPS = 100_000;
const NEEDLE_AT = 77_778; // a model call (even steps are model calls)
const NEEDLE = 'Step: the customer asks about a refund for order 4417.';

let server: RunningServer;
let client: ServerClient;
let run: LongRun;
let tcp: net.Server;
/** What sessions asked the source for since the last reset. */
const asked = { whole: 0, trees: 0, spanRequests: 0, spans: 0 };

before(async () => {
  server = await startTestServer({ dataDir: null, maxMemoryBytes: 4096 * 1048576 });
  run = longRunBodies(STEPS, { prompts: new Map([[NEEDLE_AT, NEEDLE]]) });
  for (const body of run.bodies) {
    const r = await fetch(`http://127.0.0.1:${server.httpPort}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(body) });
    assert.equal(r.status, 200, await r.text());
  }
  client = new ServerClient({ pid: process.pid, host: '127.0.0.1', httpPort: server.httpPort, grpcPort: server.grpcPort, token: server.token, version: '', dataDir: '', uiUrl: '', startedAt: 0 } as never);
  const inner = clientSource(client);
  const counted: ReplaySource = {
    ...inner,
    trace: (id) => { asked.whole++; return inner.trace(id); },
    tree: (id) => { asked.trees++; return inner.tree!(id); },
    spans: (id, ids) => { asked.spanRequests++; asked.spans += ids.length; return inner.spans!(id, ids); },
  };
  tcp = net.createServer((socket) => {
    const s = new ReplaySession(counted);
    s.setRunAsServer(true);
    s.start(socket, socket);
  }).listen(0, '127.0.0.1');
  await new Promise((r) => tcp.once('listening', r));
});
after(async () => { tcp.close(); client.close(); await server.close(); });

async function launched(configure: (dc: DebugClient) => Promise<unknown> = async () => undefined): Promise<{ dc: DebugClient; stop: DebugProtocol.StoppedEvent }> {
  const dc = new DebugClient('node', '', 'agent-lens');
  await dc.start((tcp.address() as net.AddressInfo).port);
  await dc.initializeRequest({ adapterID: 'agent-lens', pathFormat: 'path' });
  const launch = dc.launchRequest({ traceId: run.traceId } as DebugProtocol.LaunchRequestArguments);
  await dc.waitForEvent('initialized', 120_000);
  await configure(dc);
  const stopped = dc.waitForEvent('stopped', 120_000);
  await dc.configurationDoneRequest();
  await launch;
  return { dc, stop: await stopped as DebugProtocol.StoppedEvent };
}

async function top(dc: DebugClient): Promise<DebugProtocol.StackFrame> {
  return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
}

/** The step's Variables, by name, with their values as the editor shows them. */
async function variables(dc: DebugClient, frameId: number): Promise<Record<string, string>> {
  const scopes = (await dc.scopesRequest({ frameId })).body.scopes;
  const out: Record<string, string> = {};
  for (const sc of scopes) {
    for (const v of (await dc.variablesRequest({ variablesReference: sc.variablesReference })).body.variables) out[`${sc.name}.${v.name}`] = v.value;
  }
  return out;
}

test(`a ${STEPS.toLocaleString('en-US')}-step run launches from its tree: stopped on entry having loaded one step's content, then a condition on prompts finds the edited one forwards and back`, async () => {
  Object.assign(asked, { whole: 0, trees: 0, spanRequests: 0, spans: 0 });
  const { dc, stop } = await launched();
  try {
    assert.equal(stop.body.reason, 'entry');
    assert.equal((await top(dc)).name, 'agent support');
    await variables(dc, (await top(dc)).id);
    assert.deepEqual({ ...asked }, { whole: 0, trees: 1, spanRequests: 1, spans: 1 }, 'the tree, then the content of the step shown');

    // Stepping in goes to the first model call; its Variables hold its prompt, as the SDK sent it.
    await dc.stepInRequest({ threadId: 1 });
    await dc.waitForEvent('stopped');
    const first = await top(dc);
    assert.equal(first.name, 'LLM gpt-4o-mini');
    const firstVars = JSON.stringify(await variables(dc, first.id));
    assert.ok(firstVars.includes(run.steps[0]!.prompt!), firstVars.slice(0, 400));

    // A Watch that reads content on a step not loaded yet loads it.
    const watch = await dc.evaluateRequest({ expression: 'input[0].parts[0].content', frameId: first.id, context: 'watch' });
    assert.equal(watch.body.result, JSON.stringify(run.steps[0]!.prompt));

    // A condition that reads prompts: the run is read ahead of the cursor, in batches, as far as
    // the breakpoint must look; it stops at the edited model call and nowhere before.
    const before = { ...asked };
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'gpt-4o-mini', condition: 'input[0].parts[0].content contains "refund"' }] });
    await dc.continueRequest({ threadId: 1 });
    const hit = await dc.waitForEvent('stopped', 120_000) as DebugProtocol.StoppedEvent;
    assert.equal(hit.body.reason, 'function breakpoint');
    const at = await top(dc);
    assert.equal(at.id, NEEDLE_AT + 2, 'the edited step (frame ids are 1-based and the agent comes first)');
    const onHit = await dc.evaluateRequest({ expression: 'spanId', frameId: at.id, context: 'watch' });
    assert.equal(onHit.body.result, JSON.stringify(run.steps[NEEDLE_AT]!.spanId));
    const loaded = asked.spans - before.spans;
    // Only model calls are looked at (half the steps), and not far past the one that matched.
    assert.ok(loaded >= NEEDLE_AT / 2 && loaded < NEEDLE_AT / 2 + 4000, `loaded ${loaded} spans to reach step ${NEEDLE_AT}`);
    // In batches: nearly full requests once the motion has gone some way.
    const requests = asked.spanRequests - before.spanRequests;
    assert.ok(requests <= Math.ceil(loaded / 500) + 12, `${requests} requests for ${loaded} spans`);

    // On to the end (no other prompt matches), then back: reverse-continue stops at the same step.
    await dc.continueRequest({ threadId: 1 });
    const end = await dc.waitForEvent('stopped', 120_000) as DebugProtocol.StoppedEvent;
    assert.equal(end.body.reason, 'pause');
    assert.match(end.body.description ?? '', /end of the run/);
    await dc.reverseContinueRequest({ threadId: 1 });
    await dc.waitForEvent('stopped', 120_000);
    assert.equal((await top(dc)).id, NEEDLE_AT + 2);
    assert.equal(asked.whole, 0, 'the whole run was never read at once');
  } finally {
    await dc.stop();
  }
});

test('spans of a run whole, a batch at a time: unknown ids left out, bad lists refused with a clear error', async () => {
  const get = api(server);
  const ids = [run.steps[0]!.spanId, 'ffffffffffffffff', run.steps[NEEDLE_AT]!.spanId];
  const r = await get<SpansResponse>(`/api/traces/${run.traceId}/spans?ids=${ids.join(',')}`);
  assert.deepEqual(r.spans.map((s) => s.spanId), [ids[0], ids[2]]);
  const prompt = r.spans[1]!.attributes.find((a) => a.key === 'gen_ai.input.messages')!.value;
  assert.ok('stringValue' in prompt && prompt.stringValue.includes(NEEDLE));
  for (const q of ['', 'ids=', `ids=${'0123456789abcdef,'.repeat(501).slice(0, -1)}`, 'ids=xyz']) {
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/api/traces/${run.traceId}/spans?${q}`, { headers: { Authorization: `Bearer ${server.token}` } });
    assert.equal(res.status, 400, q.slice(0, 40));
    assert.match(((await res.json()) as { error: string }).error, /ids must be 1 to 500 span ids/);
  }
});
