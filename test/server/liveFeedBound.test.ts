// A live-feed client that never reads cannot grow the server: 100,000 spans flow through a real
// server process twice, once with no client and once with a client subscribed to every span that
// reads nothing; the peak RSS of the second flow stays near the first (before the bound, the
// server queued everything for that client). When the client reads again it is told to resync
// (or was disconnected with a close reason), and a normal client sees every run throughout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { WebSocket } from 'ws';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { spawnServer, killServers, type ServerProcess } from '../helpers/server';
import { tracerProvider } from '../helpers/otel';

after(() => killServers());

const SPANS = 100_000;
const PER_REQUEST = 1000;

/** Request bodies of `n` spans from the real SDK, ~1 KB of attributes each, in runs of 50 spans. */
function bodies(tag: string, n: number): Buffer[] {
  const { provider, memory, tracer } = tracerProvider(`flow-${tag}`, []);
  const out: Buffer[] = [];
  const pad = 'x'.repeat(900);
  for (let i = 0; i < n; i++) {
    const s = tracer.startSpan(`chat step ${i}`, { attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 100 + (i % 7), 'gen_ai.usage.output_tokens': 20, 'pad': pad,
    } });
    s.end();
    if (memory.getFinishedSpans().length === PER_REQUEST) {
      out.push(Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!));
      memory.reset();
    }
  }
  void provider.shutdown();
  return out;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

/** Posts the bodies one after another; returns the peak RSS seen meanwhile. */
async function flow(srv: ServerProcess, list: Buffer[]): Promise<number> {
  let peak = rssBytes(srv.ready.pid);
  const sampler = setInterval(() => { peak = Math.max(peak, rssBytes(srv.ready.pid)); }, 20);
  try {
    for (const body of list) {
      const res = await fetch(`http://127.0.0.1:${srv.ready.httpPort}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(body) });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    // Let the last feed flushes happen.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, rssBytes(srv.ready.pid));
}

/** A WebSocket client on a raw socket: it subscribes to every span, then never reads. */
function stalledClient(srv: ServerProcess): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.ready.httpPort, '127.0.0.1', () => {
      sock.write(`GET /ws?token=${srv.ready.token} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    });
    sock.once('data', (d) => {
      if (!/^HTTP\/1\.1 101/.test(d.toString('latin1'))) { reject(new Error(d.toString('latin1'))); return; }
      const payload = Buffer.from(JSON.stringify({ type: 'subscribe', traceIds: '*' }));
      // One masked text frame (a zero mask leaves the payload as it is).
      sock.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]));
      sock.pause();
      resolve(sock);
    });
    sock.on('error', reject);
  });
}

test('a client that never reads keeps the server flat while 100,000 spans flow, then resyncs or is told why it was dropped', async () => {
  const srv = await spawnServer(['--no-persist', '--http-port', '0', '--grpc-port', '0', '--max-memory-mb', '128']);
  const first = bodies('a', SPANS), second = bodies('b', SPANS);
  assert.equal(first.length, SPANS / PER_REQUEST);

  // A well-behaved client, there for both flows: it must see runs of both.
  const seen = new Set<string>();
  const good = new WebSocket(`ws://127.0.0.1:${srv.ready.httpPort}/ws?token=${srv.ready.token}`);
  good.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (m.type === 'summaries') for (const t of m.traces) seen.add(t.service);
  });
  await new Promise((r) => good.once('open', r));

  const reference = await flow(srv, first);
  const stalled = await stalledClient(srv);
  const withStalled = await flow(srv, second);
  const mb = (n: number) => `${Math.round(n / 1048576)} MB`;
  process.stdout.write(`peak RSS: ${mb(reference)} with no stalled client, ${mb(withStalled)} with one\n`);
  // The stalled client may hold at most the feed's bound (4 MiB) plus one flush; 48 MB leaves
  // room for the garbage collector's timing. Unbounded, it held the whole flow (~250 MB of JSON).
  assert.ok(withStalled < reference + 48 * 1048576, `peak RSS ${mb(withStalled)} with the stalled client vs ${mb(reference)} without`);
  assert.ok(seen.has('flow-a') && seen.has('flow-b'), 'the reading client saw both flows');

  // It reads again: it is told to resync, or (behind too long) was closed with a reason.
  let got = Buffer.alloc(0);
  stalled.on('data', (d) => { got = Buffer.concat([got, d]); });
  stalled.resume();
  const text = () => got.toString('latin1');
  const until = Date.now() + 35_000;
  while (Date.now() < until && !/"type":"resync"|fell behind/.test(text())) await new Promise((r) => setTimeout(r, 100));
  assert.match(text(), /"type":"resync"|fell behind: \d+ KiB unread/);
  stalled.destroy();
  good.close();
  assert.equal(srv.child.exitCode, null);
});

test('40 clients that never read: all their queues together stay within the feed\'s share of a 256 MB cap (the furthest behind are closed first), RSS stays under the cap, and a reading client sees every run', async () => {
  const CAP_MB = 256;
  const srv = await spawnServer(['--no-persist', '--http-port', '0', '--grpc-port', '0', '--max-memory-mb', String(CAP_MB)]);
  const status = async () => (await fetch(`http://127.0.0.1:${srv.ready.httpPort}/api/status`, { headers: { Authorization: `Bearer ${srv.ready.token}` } }))
    .json() as Promise<{ live: { clients: number; queuedBytes: number; closedForMemory: number } }>;
  const list = bodies('many', 20_000);
  const seen = new Set<string>();
  const good = new WebSocket(`ws://127.0.0.1:${srv.ready.httpPort}/ws?token=${srv.ready.token}`);
  good.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (m.type === 'summaries') for (const t of m.traces) seen.add(t.traceId);
  });
  await new Promise((r) => good.once('open', r));
  const stalled = await Promise.all(Array.from({ length: 40 }, () => stalledClient(srv)));
  let maxQueued = 0;
  const watch = setInterval(() => { void status().then((s) => { maxQueued = Math.max(maxQueued, s.live.queuedBytes); }, () => {}); }, 100);
  const peak = await flow(srv, list);
  clearInterval(watch);
  const s = await status();
  // The feed's share of a 256 MB cap is 32 MiB (an eighth); 40 clients at their own bound of 4 MiB would hold 160.
  const share = CAP_MB * 1048576 / 8;
  process.stdout.write(`40 stalled clients: peak RSS ${Math.round(peak / 1048576)} MB, queued at most ${Math.round(maxQueued / 1048576)} MiB (seen by /api/status), ${s.live.closedForMemory} closed\n`);
  assert.ok(s.live.closedForMemory > 0, 'clients were closed for memory');
  assert.ok(s.live.queuedBytes <= share, `${s.live.queuedBytes} bytes queued after the flow`);
  // Each request adds at most one flush (a batch of 1,000 spans, ~1.5 MB) per client before the bound is enforced.
  assert.ok(maxQueued <= share + 40 * 2 * 1048576, `${maxQueued} bytes queued at most`);
  assert.ok(peak < CAP_MB * 1048576, `peak RSS ${Math.round(peak / 1048576)} MB under the ${CAP_MB} MB cap`);
  // The reading client was never closed and saw every run (a run is a span here: 20,000).
  assert.equal(good.readyState, WebSocket.OPEN);
  assert.equal(seen.size, 20_000);
  for (const x of stalled) x.destroy();
  good.close();
});
