// Odd request lines and headers against a real server process: the corpus of requests that once
// crashed it (test/fixtures/fuzz/http-requests.json) and a seeded generator. Every request gets an
// answer below 500 (or a closed connection for what Node's parser refuses), and the process lives.
import { test, before, after } from 'node:test';
import { mulberry32 } from '../helpers/random';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawnServer, killServers, type ServerProcess } from '../helpers/server';

const CORPUS = path.join(__dirname, '..', '..', 'test', 'fixtures', 'fuzz', 'http-requests.json');
let srv: ServerProcess;
before(async () => { srv = await spawnServer(['--no-persist', '--http-port', '0', '--grpc-port', '0']); });
after(() => killServers());

/** Sends raw bytes, half-closes, and returns the status line's code (0: closed without an answer). */
function send(port: number, raw: string | Buffer, ms = 8000): Promise<{ status: number; head: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.end(raw));
    let got = '';
    const timer = setTimeout(() => { sock.destroy(); resolve({ status: 0, head: got.slice(0, 200), timedOut: true }); }, ms);
    sock.on('data', (d) => { got += d.toString('latin1'); });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      resolve({ status: m ? Number(m[1]) : 0, head: got.slice(0, 200), timedOut: false });
    });
  });
}

async function alive(): Promise<void> {
  assert.equal(srv.child.exitCode, null, `the server exited: ${srv.stderr()}`);
  const res = await fetch(`http://127.0.0.1:${srv.ready.httpPort}/api/status`, { headers: { Authorization: `Bearer ${srv.ready.token}` } });
  assert.equal(res.status, 200);
}


/** Odd but parseable requests: targets full of URL syntax, odd methods, hosts, origins and bodies. */
function* generate(seed: number, n: number): Generator<string> {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const bits = ['/', '//', ':', '@', '[', ']', '::1', '%', '%2F', '%ZZ', '?', '#', '\\', '..', '.', 'a', 'x:99999', '~', '%00', '\u00e9', ';', '=', '&', 'token=', '*'];
  const roots = ['', '/', '/v1/traces', '/v1/logs', '/v1/metrics', '/api/traces', '/api/traces/0102030405060708090a0b0c0d0e0f10', '/api/status', '/ws', '/ui.js', 'http://', 'http://127.0.0.1'];
  const methods = ['GET', 'POST', 'OPTIONS', 'DELETE', 'PUT', 'HEAD', 'PATCH', 'TRACE', 'PROPFIND'];
  const hosts = ['127.0.0.1', 'localhost', '[::1]', '127.0.0.1:99999', 'attacker.example', '', ':', '[', 'localhost.', '127.0.0.1:'];
  const origins = [undefined, 'null', 'http://localhost:5173', 'https://evil.example', 'vscode-webview://x', 'http://[::1', 'http://127.0.0.1:1'];
  const types = ['application/x-protobuf', 'application/json', 'text/plain', 'application/json; charset=utf-8', 'application/x-protobuf;;;', ''];
  for (let i = 0; i < n; i++) {
    let target = pick(roots);
    const len = Math.floor(rnd() * 6);
    for (let j = 0; j < len; j++) target += pick(bits);
    if (!target) target = '/';
    const method = pick(methods);
    const lines = [`${method} ${target} HTTP/1.1`];
    const host = pick(hosts);
    if (host || rnd() < 0.5) lines.push(`Host: ${host}`);
    const origin = pick(origins);
    if (origin !== undefined) lines.push(`Origin: ${origin}`);
    if (rnd() < 0.2) lines.push('Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==');
    if (rnd() < 0.2) lines.push(`Authorization: Bearer ${pick(['x', '', 'a b', '\u00e9'])}`);
    let body = '';
    if (method === 'POST' || rnd() < 0.1) {
      body = pick(['', '{}', '{"resourceSpans":[', '\u0000\u0001', '[]', '{"resourceSpans":[{"scopeSpans":[{"spans":[{}]}]}]}']);
      lines.push(`Content-Type: ${pick(types)}`);
      if (rnd() < 0.3) lines.push(`Content-Encoding: ${pick(['gzip', 'deflate', 'br', 'identity', 'gzip, gzip'])}`);
      lines.push(`Content-Length: ${rnd() < 0.15 ? body.length + Math.floor(rnd() * 50) : Buffer.byteLength(body, 'latin1')}`);
    }
    yield lines.join('\r\n') + '\r\n\r\n' + body;
  }
}

async function run(requests: Iterable<string>, label: string): Promise<number> {
  const port = srv.ready.httpPort;
  const failures: string[] = [];
  let count = 0;
  const queue = [...requests];
  const worker = async () => {
    for (let r = queue.shift(); r !== undefined; r = queue.shift()) {
      count++;
      const res = await send(port, Buffer.from(r, 'latin1'));
      if (res.status >= 500 || res.timedOut) failures.push(`${JSON.stringify(r)} → ${res.timedOut ? 'no answer in 8 s' : res.head.split('\r\n')[0]}`);
      if (srv.child.exitCode !== null) { failures.push(`${JSON.stringify(r)} → the server exited: ${srv.stderr().slice(-2000)}`); return; }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  assert.deepEqual(failures, [], `${label}: requests that failed (add them to test/fixtures/fuzz/http-requests.json)`);
  await alive();
  return count;
}

test('every request of the crash corpus is answered and the server lives', async () => {
  const { requests } = JSON.parse(fs.readFileSync(CORPUS, 'utf8')) as { requests: string[] };
  assert.ok(requests.length >= 20);
  await run(requests, 'corpus');
  // The request line from the issue is a path like any other (there is nothing there); a target
  // that is no URL at all gets a 400 that says so.
  assert.equal((await send(srv.ready.httpPort, 'GET //a:b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')).status, 404);
  const bad = await send(srv.ready.httpPort, 'GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  assert.equal(bad.status, 400);
  assert.match(bad.head, /cannot read the request target/);
});

test('2,000 generated odd requests: no 5xx, no hang, no exit', async () => {
  const seed = Number(process.env.AGENT_LENS_FUZZ_SEED) || 20261204;
  const n = await run(generate(seed, 2000), `seed ${seed}`);
  assert.equal(n, 2000);
});
