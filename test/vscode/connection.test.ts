// The extension's link to the server, without the editor: real `agent-lens serve` processes,
// started detached as the extension starts them. One window starts the receiver, a second joins
// it; when it dies both come back to one new receiver; a port taken by another program is said so.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort, tmpDir } from '../helpers/server';
import { Connection, type ConnectionState } from '../../src/vscode/connection';
import { readSettings, type Settings } from '../../src/vscode/settings';
import { isAlive } from '../../src/stateFile';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const conns: Connection[] = [];
const pids = new Set<number>();

function settings(over: Record<string, unknown>): Settings {
  return readSettings((k) => ({ 'server.persist': false, ...over } as Record<string, unknown>)[k]).settings;
}

function connection(s: Settings): Connection {
  const c = new Connection({ node: process.execPath, cli: CLI, settings: () => s, pricesFile: () => undefined, log: () => {} });
  conns.push(c);
  c.onState((st) => { if (st.kind === 'connected') pids.add(st.client.state.pid); });
  return c;
}

async function until(c: Connection, pred: (s: ConnectionState) => boolean, ms = 20_000): Promise<ConnectionState> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred(c.state)) return c.state;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out; state is ${JSON.stringify({ ...c.state, client: undefined })}`);
}
const connected = (s: ConnectionState) => s.kind === 'connected';
const pidOf = (c: Connection) => c.client!.state.pid;

before(() => { process.env.AGENT_LENS_STATE_DIR = tmpDir('al-state-'); });
after(() => {
  for (const c of conns) c.dispose();
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

test('a window starts the receiver, a second joins it, and after it dies both come back to one new receiver', async () => {
  const s = settings({ 'server.httpPort': await freePort(), 'server.grpcPort': await freePort() });
  const a = connection(s);
  await a.start();
  const sa = await until(a, connected) as Extract<ConnectionState, { kind: 'connected' }>;
  assert.equal(sa.owned, true);
  const b = connection(s);
  await b.start();
  const sb = await until(b, connected) as Extract<ConnectionState, { kind: 'connected' }>;
  assert.equal(sb.owned, false);
  assert.equal(pidOf(b), pidOf(a));

  // Both see live summaries from the one server.
  const seen: string[] = [];
  b.client!.onFeed((m) => { if (m.type === 'summaries') seen.push(...m.traces.map((t) => t.rootName)); });
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'conn-test' } }] }, scopeSpans: [{ spans: [{
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'invoke_agent shared', kind: 1,
    startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000' }] }] }] };
  const res = await fetch(`${a.client!.endpoint}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  await until(b, () => seen.includes('invoke_agent shared'));

  // The receiver dies (a crash, a kill): both windows recover to one new receiver.
  const old = pidOf(a);
  process.kill(old, 'SIGKILL');
  await until(a, (st) => connected(st) && pidOf(a) !== old);
  await until(b, (st) => connected(st) && pidOf(b) !== old);
  assert.equal(pidOf(a), pidOf(b));
  assert.ok(isAlive(pidOf(a)));

  // Restart from either window: a new process, and the other follows.
  const before = pidOf(a);
  await b.restart();
  await until(b, (st) => connected(st) && pidOf(b) !== before);
  await until(a, (st) => connected(st) && pidOf(a) === pidOf(b));
  assert.ok(!isAlive(before));
});

test('a port taken by another program is said so, with a free port to use instead', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    // Its own state directory: no receiver of the first test to join.
    process.env.AGENT_LENS_STATE_DIR = tmpDir('al-state-');
    const c = connection(settings({ 'server.httpPort': port, 'server.grpcPort': await freePort() }));
    await c.start();
    const st = await until(c, (x) => x.kind === 'port-in-use', 30_000) as Extract<ConnectionState, { kind: 'port-in-use' }>;
    assert.equal(st.port, port);
    assert.ok(st.suggestion && st.suggestion !== port);
    assert.match(st.message, new RegExp(`port ${port} .*is taken by another program`));
  } finally {
    blocker.close();
  }
});
