// Pausing the live agent, the receiver's part (src/server/liveGate.ts): a real receiver process, a
// gate and editors as WebSocket clients speaking protocol/live.ts. A call waits only while an editor
// is attached with a breakpoint on it; the editor's edit or failure reaches the gate that asked; a
// call nobody can answer goes on unchanged at once (no editor, the editor gone, past the bound).
// Size: one process, up to 65 pauses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { spawnServer, killServers, type ServerProcess } from '../helpers/server';
import type { GateCommand, GateMessage, LiveBreakpoints, ServerMessage } from '../../src/protocol';

let srv: ServerProcess;
before(async () => { srv = await spawnServer(['--no-persist', '--http-port', '0', '--grpc-port', '0']); });
after(() => killServers());

/** A WebSocket client that keeps what it hears, to wait for a message that matches. */
class Peer<In> {
  readonly heard: In[] = [];
  private waiters: { pred: (m: In) => boolean; resolve: (m: In) => void }[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as In;
      this.heard.push(m);
      this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
    });
  }
  static async open<In>(path: string): Promise<Peer<In>> {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.ready.httpPort}${path}${path.includes('?') ? '&' : '?'}token=${srv.ready.token}`);
    const peer = new Peer<In>(ws);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    return peer;
  }
  /** The first message heard (from `from` on) that matches, waiting for it if need be. */
  next(pred: (m: In) => boolean, from = 0): Promise<In> {
    const had = this.heard.slice(from).find(pred);
    if (had) return Promise.resolve(had);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`not heard; heard: ${JSON.stringify(this.heard).slice(-600)}`)), 10_000);
      this.waiters.push({ pred, resolve: (m) => { clearTimeout(t); resolve(m); } });
    });
  }
  send(m: unknown): void { this.ws.send(JSON.stringify(m)); }
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise((r) => { this.ws.once('close', r); this.ws.close(); });
  }
}

type Gate = Peer<GateCommand>;
type Editor = Peer<ServerMessage>;

async function gate(pid: number): Promise<Gate> {
  const g = await Peer.open<GateCommand>('/live');
  await g.next((m) => m.type === 'breakpoints');
  g.send({ type: 'hello', protocolVersion: 1, pid, language: 'node', service: 'weather-agent' } satisfies GateMessage);
  return g;
}

async function editor(breakpoints: LiveBreakpoints | null): Promise<Editor> {
  const e = await Peer.open<ServerMessage>('/ws');
  e.send({ type: 'live', breakpoints });
  return e;
}

const pausedIn = (e: Editor, pauseId: string, from = 0) => e.next((m) => m.type === 'live' && m.pauses.some((p) => p.pauseId === pauseId), from);
const lastLive = (e: Editor) => e.heard.filter((m) => m.type === 'live').pop() as Extract<ServerMessage, { type: 'live' }> | undefined;

test('no editor attached: a gate is told there are no breakpoints, and a call it stops anyway goes on unchanged at once', async () => {
  const g = await gate(1001);
  assert.deepEqual(g.heard[0], { type: 'breakpoints', breakpoints: null });
  g.send({ type: 'paused', pauseId: 'a1', step: { kind: 'tool', name: 'get_weather', input: { city: 'Lisbon' }, via: 'test' } } satisfies GateMessage);
  assert.deepEqual(await g.next((m) => m.type === 'resume'), { type: 'resume', pauseId: 'a1' });
  await g.close();
});

test('an editor with a breakpoint on get_weather: the gate hears it, the pause reaches the editor, Continue with the city edited to Porto reaches the gate; Fail Step reaches it with the message', async () => {
  const g = await gate(1002);
  const e = await editor({ tools: ['get_weather'], models: [] });
  assert.deepEqual(await g.next((m) => m.type === 'breakpoints' && m.breakpoints !== null), { type: 'breakpoints', breakpoints: { tools: ['get_weather'], models: [] } });
  // The editor hears the process by its hello.
  const seen = await e.next((m) => m.type === 'live' && m.processes.some((p) => p.pid === 1002));
  const proc = (seen as Extract<ServerMessage, { type: 'live' }>).processes.find((p) => p.pid === 1002)!;
  assert.deepEqual({ ...proc, id: undefined }, { id: undefined, pid: 1002, language: 'node', service: 'weather-agent' });

  g.send({ type: 'paused', pauseId: 'b1', step: { kind: 'tool', name: 'get_weather', input: { city: 'Lisbon' }, via: 'test', agent: 'planner' } } satisfies GateMessage);
  const live = await pausedIn(e, 'b1') as Extract<ServerMessage, { type: 'live' }>;
  const pause = live.pauses.find((p) => p.pauseId === 'b1')!;
  assert.deepEqual(pause.step, { kind: 'tool', name: 'get_weather', input: { city: 'Lisbon' }, via: 'test', agent: 'planner' });
  assert.equal(pause.process.id, proc.id);
  // Nothing reaches the gate while the editor has not answered.
  assert.equal(g.heard.filter((m) => m.type === 'resume' || m.type === 'fail').length, 0);
  const from = e.heard.length;
  e.send({ type: 'resume', pauseId: 'b1', processId: proc.id, input: { city: 'Porto' } });
  assert.deepEqual(await g.next((m) => m.type === 'resume'), { type: 'resume', pauseId: 'b1', input: { city: 'Porto' } });
  await e.next((m) => m.type === 'live' && !m.pauses.some((p) => p.pauseId === 'b1'), from);

  g.send({ type: 'paused', pauseId: 'b2', step: { kind: 'tool', name: 'get_weather', input: { city: 'Oslo' }, via: 'test' } } satisfies GateMessage);
  await pausedIn(e, 'b2');
  e.send({ type: 'fail', pauseId: 'b2', processId: proc.id, message: 'the weather service is down (from the debugger)' });
  assert.deepEqual(await g.next((m) => m.type === 'fail'), { type: 'fail', pauseId: 'b2', message: 'the weather service is down (from the debugger)' });
  // An answer for a call that no longer waits (or never did) reaches no gate.
  e.send({ type: 'resume', pauseId: 'b2', processId: proc.id });
  e.send({ type: 'resume', pauseId: 'nope', processId: 'p999' });
  g.send({ type: 'paused', pauseId: 'b3', step: { kind: 'llm', name: 'gpt-4o-mini', input: { messages: [] }, via: 'test' } } satisfies GateMessage);
  await pausedIn(e, 'b3');
  assert.equal(g.heard.filter((m) => m.type === 'resume').length, 1);

  // The editor goes mid-pause: the call goes on unchanged, and the gate is told there are no breakpoints.
  const had = g.heard.length;
  await e.close();
  assert.deepEqual(await g.next((m) => m.type === 'resume', had), { type: 'resume', pauseId: 'b3' });
  assert.deepEqual(await g.next((m) => m.type === 'breakpoints', had), { type: 'breakpoints', breakpoints: null });
  await g.close();
});

test('two editors: the gate hears the union of their breakpoints; one leaving keeps the other\'s; a gate that goes leaves the list', async () => {
  const g = await gate(1003);
  const e1 = await editor({ tools: ['get_weather'], models: [] });
  const e2 = await editor({ tools: ['book_flight'], models: '*' });
  await g.next((m) => m.type === 'breakpoints' && m.breakpoints !== null && m.breakpoints.models === '*');
  assert.deepEqual(g.heard.filter((m) => m.type === 'breakpoints').pop(), { type: 'breakpoints', breakpoints: { tools: ['book_flight', 'get_weather'], models: '*' } });
  const had = g.heard.length;
  await e2.close();
  assert.deepEqual(await g.next((m) => m.type === 'breakpoints', had), { type: 'breakpoints', breakpoints: { tools: ['get_weather'], models: [] } });
  // Breakpoints that are not breakpoints are left out (the editor stays as it was): the next
  // thing the gate hears is the valid change sent after them.
  const mark = g.heard.length;
  e1.send({ type: 'live', breakpoints: { tools: 'get_weather', models: [] } });
  e1.send({ type: 'live', breakpoints: { tools: [42], models: [] } });
  e1.send({ type: 'live', breakpoints: { tools: [], models: [], failed: 'yes' } });
  e1.send({ type: 'live', breakpoints: { tools: ['get_weather', 'search'], models: [] } });
  await g.next((m) => m.type === 'breakpoints', mark);
  assert.deepEqual(g.heard.slice(mark), [{ type: 'breakpoints', breakpoints: { tools: ['get_weather', 'search'], models: [] } }]);
  // Break on failed step reaches the gate with the names.
  const mark2 = g.heard.length;
  e1.send({ type: 'live', breakpoints: { tools: ['get_weather'], models: [], failed: true } });
  assert.deepEqual(await g.next((m) => m.type === 'breakpoints', mark2), { type: 'breakpoints', breakpoints: { tools: ['get_weather'], models: [], failed: true } });
  await e1.next((m) => m.type === 'live' && m.processes.some((p) => p.pid === 1003));
  const from = e1.heard.length;
  await g.close();
  await e1.next((m) => m.type === 'live' && !m.processes.some((p) => p.pid === 1003), from);
  await e1.close();
});

test('bounds and bad input: 64 calls of one process wait, the 65th goes on at once; a step that is not one goes on; /live without the token is refused', async () => {
  const g = await gate(1004);
  const e = await editor({ tools: '*', models: '*' });
  await g.next((m) => m.type === 'breakpoints' && m.breakpoints !== null);
  await e.next((m) => m.type === 'live' && m.processes.some((p) => p.pid === 1004));
  for (let i = 0; i < 65; i++) g.send({ type: 'paused', pauseId: `c${i}`, step: { kind: 'tool', name: 't', input: i, via: 'test' } } satisfies GateMessage);
  assert.deepEqual(await g.next((m) => m.type === 'resume'), { type: 'resume', pauseId: 'c64' });
  await e.next((m) => m.type === 'live' && m.pauses.filter((p) => p.process.pid === 1004).length === 64);
  g.send({ type: 'released', pauseId: 'c0', why: 'timed out' } satisfies GateMessage);
  await e.next((m) => m.type === 'live' && m.pauses.filter((p) => p.process.pid === 1004).length === 63);
  g.send({ type: 'paused', pauseId: 'bad', step: { kind: 'shell', name: 'rm', via: 'test' } });
  assert.deepEqual(await g.next((m) => m.type === 'resume' && m.pauseId === 'bad'), { type: 'resume', pauseId: 'bad' });
  assert.equal(lastLive(e)!.pauses.filter((p) => p.process.pid === 1004).length, 63);
  await e.close();
  await g.close();

  const refused = new WebSocket(`ws://127.0.0.1:${srv.ready.httpPort}/live`);
  const status = await new Promise<number>((resolve) => { refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)); refused.on('open', () => resolve(101)); });
  assert.equal(status, 401);
});

test('a pause says where it is (run, span, agent): an editor hears it whole; every other client of the feed (a run view) hears which calls wait, without their content, when that changes and when it connects; ids that are not ids are left out', async () => {
  const g = await gate(1005);
  const e = await editor({ tools: ['get_weather'], models: [] });
  await g.next((m) => m.type === 'breakpoints' && m.breakpoints !== null);
  const view = await Peer.open<ServerMessage>('/ws');
  const traceId = '5b8aa5a2d2c872e8321cf37308d69df2', spanId = '051581bf3cb55c13';
  g.send({ type: 'paused', pauseId: 'w1', step: { kind: 'tool', name: 'get_weather', input: { city: 'Lisbon' }, via: 'test', agent: 'planner', traceId, spanId } } satisfies GateMessage);
  const live = await pausedIn(e, 'w1') as Extract<ServerMessage, { type: 'live' }>;
  assert.deepEqual(live.pauses.find((p) => p.pauseId === 'w1')!.step, { kind: 'tool', name: 'get_weather', input: { city: 'Lisbon' }, via: 'test', agent: 'planner', traceId, spanId });
  const seen = await view.next((m) => m.type === 'paused' && m.pauses.length > 0) as Extract<ServerMessage, { type: 'paused' }>;
  assert.equal(seen.pauses.length, 1);
  const { since, ...rest } = seen.pauses[0]!;
  assert.ok(since > 0);
  assert.deepEqual(rest, { traceId, spanId, kind: 'tool', name: 'get_weather', agent: 'planner', via: 'test', service: 'weather-agent', pid: 1005 });
  assert.ok(!JSON.stringify(seen).includes('Lisbon'), 'no content');
  // A client that connects while it waits hears of it at once.
  const late = await Peer.open<ServerMessage>('/ws');
  assert.equal(((await late.next((m) => m.type === 'paused')) as Extract<ServerMessage, { type: 'paused' }>).pauses[0]!.spanId, spanId);
  // Ids that are not ids: the step is kept, without them.
  g.send({ type: 'paused', pauseId: 'w2', step: { kind: 'tool', name: 'get_weather', input: {}, via: 'test', traceId: 'x'.repeat(32), spanId: '<b>' } } satisfies GateMessage);
  const two = await view.next((m) => m.type === 'paused' && m.pauses.length === 2) as Extract<ServerMessage, { type: 'paused' }>;
  assert.deepEqual(two.pauses.map((p) => p.traceId ?? null), [traceId, null]);
  // Answered: the run views hear that nothing waits.
  const proc = live.processes.find((p) => p.pid === 1005)!;
  const from = view.heard.length;
  e.send({ type: 'resume', pauseId: 'w1', processId: proc.id });
  e.send({ type: 'resume', pauseId: 'w2', processId: proc.id });
  await view.next((m) => m.type === 'paused' && m.pauses.length === 0, from);
  await view.close();
  await late.close();
  await e.close();
  await g.close();
});

test('two editors, one whose conditions rule a call out: its pass does not let the call go while the other stops it; the other\'s answer is the one the gate gets; passed by both (or by one, the other gone), it goes on unchanged', async () => {
  const g = await gate(1006);
  const e1 = await editor({ tools: ['get_weather'], models: [] });
  const e2 = await editor({ tools: ['get_weather'], models: [] });
  await g.next((m) => m.type === 'breakpoints' && m.breakpoints !== null);
  const proc = ((await e1.next((m) => m.type === 'live' && m.processes.some((p) => p.pid === 1006))) as Extract<ServerMessage, { type: 'live' }>).processes.find((p) => p.pid === 1006)!;
  // e1 passes, e2 stops and edits: the edit reaches the gate, and nothing before it.
  g.send({ type: 'paused', pauseId: 'c1', step: { kind: 'tool', name: 'get_weather', input: { city: 'Lisbon' }, via: 'test' } } satisfies GateMessage);
  await pausedIn(e1, 'c1');
  e1.send({ type: 'pass', pauseId: 'c1', processId: proc.id });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(g.heard.filter((m) => m.type === 'resume').length, 0);
  e2.send({ type: 'resume', pauseId: 'c1', processId: proc.id, input: { city: 'Porto' } });
  assert.deepEqual(await g.next((m) => m.type === 'resume'), { type: 'resume', pauseId: 'c1', input: { city: 'Porto' } });
  // Both pass: unchanged.
  g.send({ type: 'paused', pauseId: 'c2', step: { kind: 'tool', name: 'get_weather', input: { city: 'Oslo' }, via: 'test' } } satisfies GateMessage);
  await pausedIn(e2, 'c2');
  e1.send({ type: 'pass', pauseId: 'c2', processId: proc.id });
  e2.send({ type: 'pass', pauseId: 'c2', processId: proc.id });
  assert.deepEqual(await g.next((m) => m.type === 'resume' && m.pauseId === 'c2'), { type: 'resume', pauseId: 'c2' });
  // One passes, the other goes: unchanged.
  g.send({ type: 'paused', pauseId: 'c3', step: { kind: 'tool', name: 'get_weather', input: { city: 'Rome' }, via: 'test' } } satisfies GateMessage);
  await pausedIn(e1, 'c3');
  e1.send({ type: 'pass', pauseId: 'c3', processId: proc.id });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(g.heard.filter((m) => m.type === 'resume' && m.pauseId === 'c3').length, 0);
  await e2.close();
  assert.deepEqual(await g.next((m) => m.type === 'resume' && m.pauseId === 'c3'), { type: 'resume', pauseId: 'c3' });
  await e1.close();
  await g.close();
});
