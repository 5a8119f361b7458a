// Slow clients, in both directions, against a real server process with its default limits: one
// that sends nothing, one that stops mid-headers, one that dribbles a header a byte a second, one
// that dribbles a body, and one that asks for a large run and stops reading the answer. Each is
// let go within 30 s, and the server serves others meanwhile.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { spawnServer, killServers } from '../helpers/server';
import { tracerProvider } from '../helpers/otel';

after(() => killServers());

interface Outcome { name: string; closedAfterMs: number; head: string }

/** Connects, runs `behave`, and reports when the server closed the connection (or 60 s passed). */
function slow(port: number, name: string, behave: (s: net.Socket) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = net.connect(port, '127.0.0.1', () => behave(s));
    let got = '';
    s.on('data', (d) => { got += d.toString('latin1'); });
    s.on('error', () => {});
    const done = () => { clearTimeout(timer); resolve({ name, closedAfterMs: Date.now() - t0, head: got.slice(0, 120) }); };
    s.on('close', done);
    const timer = setTimeout(() => { s.destroy(); }, 60_000);
  });
}

/** Sends bytes a second apart until the socket is closed. */
function dribble(s: net.Socket, byte: string, everyMs: number): void {
  const t = setInterval(() => { if (s.destroyed || !s.writable) clearInterval(t); else s.write(byte); }, everyMs);
}

test('slow clients are let go within 30 s, whichever way they are slow', async () => {
  const srv = await spawnServer(['--no-persist', '--http-port', '0', '--grpc-port', '0']);
  const port = srv.ready.httpPort;

  // A run whose tree is far bigger than the socket buffers: 20,000 spans with 600-character names.
  const { provider, memory, tracer } = tracerProvider('big-tree', []);
  const root = tracer.startSpan('invoke_agent big');
  const name = 'step '.padEnd(600, 'n');
  const ctx = (await import('@opentelemetry/api')).trace.setSpan((await import('@opentelemetry/api')).context.active(), root);
  for (let i = 0; i < 20_000; i++) tracer.startSpan(`${name} ${i}`, {}, ctx).end();
  root.end();
  const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!);
  void provider.shutdown();
  assert.equal((await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(body) })).status, 200);
  const traceId = root.spanContext().traceId;

  // The reader that stops: it takes the first bytes, then reads nothing for 35 s, then drains.
  let stoppedAt = 0;
  const reader = new Promise<{ bytes: number; complete: boolean }>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`GET /api/traces/${traceId}/tree HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${srv.ready.token}\r\n\r\n`));
    let got = Buffer.alloc(0);
    s.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (!stoppedAt) { stoppedAt = Date.now(); s.pause(); setTimeout(() => s.resume(), 35_000); }
    });
    s.on('error', () => {});
    s.on('close', () => resolve({ bytes: got.length, complete: got.subarray(-5).toString('latin1') === '0\r\n\r\n' }));
  });

  const outcomes = await Promise.all([
    slow(port, 'sends nothing', () => {}),
    slow(port, 'stops mid-headers', (s) => s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n')),
    slow(port, 'dribbles a header', (s) => { s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '); dribble(s, 'x', 1000); }),
    slow(port, 'dribbles a body', (s) => {
      s.write('POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
      dribble(s, ' ', 5000);
    }),
    // Meanwhile the server answers others at once.
    (async () => {
      await new Promise((r) => setTimeout(r, 5000));
      const t0 = Date.now();
      const res = await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { Authorization: `Bearer ${srv.ready.token}` } });
      assert.equal(res.status, 200);
      return { name: 'a normal request', closedAfterMs: Date.now() - t0, head: '' };
    })(),
  ]);
  for (const o of outcomes) {
    process.stdout.write(`${o.name}: let go after ${(o.closedAfterMs / 1000).toFixed(1)} s ${JSON.stringify(o.head.split('\r\n')[0])}\n`);
    assert.ok(o.closedAfterMs <= 30_000, `${o.name}: closed after ${o.closedAfterMs} ms`);
    if (o.name !== 'a normal request') assert.match(o.head, /^HTTP\/1\.1 408 Request Timeout/, o.name);
  }
  // The answer the reader stopped reading was cut off (had the server waited for it past 35 s,
  // the reader would have got all of it), and the server is still there.
  const r = await reader;
  process.stdout.write(`the reader that stopped got ${Math.round(r.bytes / 1024)} KiB of a ${Math.round(20_000 * 700 / 1024)}+ KiB answer before it was cut\n`);
  assert.equal(r.complete, false, 'the server gave up on the reader that stopped');
  assert.equal(srv.child.exitCode, null);
});
