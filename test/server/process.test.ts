// The real server process: restart and kill -9 lose nothing acknowledged, a torn last record is
// skipped with a warning, a taken port gets a clear message, and `agent-lens import` loads files.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import WebSocket from 'ws';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { spawnServer, tmpDir, api, CLI, killServers, waitFor } from '../helpers/server';

after(killServers);
import { tracerProvider, emitRichTrace } from '../helpers/otel';
import type { TraceListResponse, TraceResponse } from '../../src/protocol';

const run = promisify(execFile);

async function sendRun(port: number, tag: string): Promise<string[]> {
  const { provider, memory, tracer } = tracerProvider(`proc-${tag}`, [new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` })]);
  emitRichTrace(tracer, tag);
  await provider.forceFlush();
  const ids = [...new Set(memory.getFinishedSpans().map((s) => s.spanContext().traceId))];
  await provider.shutdown();
  return ids;
}

test('what was accepted survives a restart and a kill -9, and a torn last record is skipped', async () => {
  const dataDir = tmpDir();
  const env = { AGENT_LENS_STATE_DIR: tmpDir() };
  const args = ['--http-port', '0', '--grpc-port', '0', '--data-dir', dataDir];
  let p = await spawnServer(args, env);
  const [t1] = await sendRun(p.ready.httpPort, 'one');
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);

  p = await spawnServer(args, env);
  let get = api({ httpPort: p.ready.httpPort, token: p.ready.token });
  assert.equal((await get<TraceResponse>(`/api/traces/${t1}`)).spans.length, 2, 'after a clean restart');
  const [t2] = await sendRun(p.ready.httpPort, 'two');
  p.child.kill('SIGKILL');
  await p.exited;

  // A crash mid-write leaves half a record at the end of the newest segment.
  const segDir = path.join(dataDir, 'segments');
  const newest = fs.readdirSync(segDir).sort().pop()!;
  fs.appendFileSync(path.join(segDir, newest), Buffer.from([0x41, 0x4c, 1, 1, 0xff, 0, 0, 0, 1, 2, 3]));

  p = await spawnServer(args, env);
  get = api({ httpPort: p.ready.httpPort, token: p.ready.token });
  assert.equal((await get<TraceResponse>(`/api/traces/${t1}`)).spans.length, 2, 'first run after kill -9');
  const two = await get<TraceResponse>(`/api/traces/${t2}`);
  assert.equal(two.spans.length, 2, 'second run after kill -9');
  assert.equal(two.summary.usage.input, 120);
  assert.match(p.stderr(), /warning: segment-.*a torn record header at byte \d+: skipped 11 bytes to the next good record \(kept in damaged\/segment-.*\.bin\)/);
  // The torn bytes are kept aside, not cut away silently.
  const aside = fs.readdirSync(path.join(segDir, 'damaged'));
  assert.equal(aside.length, 1);
  assert.deepEqual([...fs.readFileSync(path.join(segDir, 'damaged', aside[0]!))], [0x41, 0x4c, 1, 1, 0xff, 0, 0, 0, 1, 2, 3]);
  // Deletion is persisted too.
  await get(`/api/traces/${t1}`, { method: 'DELETE' });
  p.child.kill('SIGTERM');
  await p.exited;
  p = await spawnServer(args, env);
  get = api({ httpPort: p.ready.httpPort, token: p.ready.token });
  // (A list while the history loads is partial: it says so.)
  await waitFor('history', async () => (await get<{ state: string }>('/api/status')).state === 'ready' || undefined);
  const list = await get<TraceListResponse>('/api/traces');
  assert.equal(list.partial, undefined);
  assert.deepEqual(list.traces.map((t) => t.traceId), [t2]);
  p.child.kill('SIGTERM');
  await p.exited;
});

test('a port taken by another program gets a message naming it and a way out', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  const res = await run(process.execPath, [CLI, 'serve', '--http-port', String(port), '--grpc-port', '0', '--no-persist'], { env: { ...process.env, AGENT_LENS_STATE_DIR: tmpDir() } })
    .then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
  blocker.close();
  assert.equal(res.code, 2);
  assert.match(res.stderr, new RegExp(`port ${port} \\(OTLP/HTTP, API and UI\\) is taken by another program\\. Start with --http-port \\d+ \\(free now\\), or --http-port 0 for any free port`));
});

test('agent-lens import loads OTLP JSON, JSON lines and protobuf files into the running server', async () => {
  const env = { AGENT_LENS_STATE_DIR: tmpDir() };
  const p = await spawnServer(['--http-port', '0', '--grpc-port', '0', '--no-persist'], env);
  const dir = tmpDir();
  const make = async (tag: string) => {
    const { provider, memory, tracer } = tracerProvider(`import-${tag}`, []);
    emitRichTrace(tracer, tag);
    await provider.forceFlush();
    return memory.getFinishedSpans();
  };
  const a = await make('a'), b = await make('b'), c = await make('c');
  fs.writeFileSync(path.join(dir, 'one.json'), Buffer.from(JsonTraceSerializer.serializeRequest(a)!));
  fs.writeFileSync(path.join(dir, 'lines.jsonl'), [b, c].map((s) => Buffer.from(JsonTraceSerializer.serializeRequest(s)!).toString()).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'trace.pb'), Buffer.from(ProtobufTraceSerializer.serializeRequest(a)!));
  const out = await run(process.execPath, [CLI, 'import', path.join(dir, 'one.json'), path.join(dir, 'lines.jsonl'), path.join(dir, 'trace.pb')], { env: { ...process.env, ...env } });
  assert.match(out.stdout, /imported 8 spans and 0 log records from 3 file\(s\) into the running server/);
  const get = api({ httpPort: p.ready.httpPort, token: p.ready.token });
  const list = await get<TraceListResponse>('/api/traces');
  assert.equal(list.total, 3);
  fs.writeFileSync(path.join(dir, 'bad.jsonl'), '{"resourceSpans":[]}\nnot json\n');
  const bad = await run(process.execPath, [CLI, 'import', path.join(dir, 'bad.jsonl')], { env: { ...process.env, ...env } }).catch((e: { code: number; stderr: string }) => e);
  assert.equal((bad as { code: number }).code, 1);
  assert.match((bad as { stderr: string }).stderr, /bad\.jsonl line 2: invalid JSON/);
  // `agent-lens status` says where the UI is, with the token the server answers to (what a browser tab without it points to).
  const status = await run(process.execPath, [CLI, 'status'], { env: { ...process.env, ...env } });
  assert.match(status.stdout, new RegExp(`^Agent Lens trace server .*pid ${p.ready.pid}`));
  const ui = /UI\s+(\S+)/.exec(status.stdout)![1]!;
  assert.equal(new URL(ui).searchParams.get('token'), p.ready.token);
  assert.equal(new URL(ui).port, String(p.ready.httpPort));
  const json = JSON.parse((await run(process.execPath, [CLI, 'status', '--json'], { env: { ...process.env, ...env } })).stdout) as { pid: number; token?: string };
  assert.equal(json.pid, p.ready.pid);
  assert.equal(json.token, undefined);
  p.child.kill('SIGTERM');
  await p.exited;
});

test('a server whose state file another server took over exits once idle; the one named there stays', async () => {
  const env = { AGENT_LENS_STATE_DIR: tmpDir(), AGENT_LENS_ORPHAN_CHECK_MS: '100' };
  // 0.05 min = 3 s of idleness; the busy phase below sends every 300 ms, ten times under it, so a
  // loaded machine cannot make it look idle.
  const args = ['--http-port', '0', '--grpc-port', '0', '--no-persist', '--orphan-exit-minutes', '0.05'];
  const first = await spawnServer(args, env);
  await new Promise((r) => setTimeout(r, 3500));
  assert.equal(first.child.exitCode, null, 'the server named in the state file stays, idle or not');
  const second = await spawnServer(args, env); // takes the state file over
  // The first keeps serving while it gets data, for longer than the idle limit...
  const busyUntil = Date.now() + 4000;
  for (let i = 0; Date.now() < busyUntil; i++) {
    await sendRun(first.ready.httpPort, `busy-${i}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(first.child.exitCode, null, 'busy: it stays');
  // ...and goes once idle.
  assert.equal(await first.exited, 0);
  assert.match(first.stderr(), /another server \(pid \d+\) has the state file .*exiting/);
  assert.equal(second.child.exitCode, null);
  second.child.kill('SIGTERM');
  await second.exited;
});

test('--idle-exit-minutes: with no live client and no data it exits and frees its ports; a connected editor (a live client) keeps it', async () => {
  const stateDir = tmpDir();
  const env = { AGENT_LENS_STATE_DIR: stateDir, AGENT_LENS_ORPHAN_CHECK_MS: '100' };
  // 0.05 min = 3 s.
  const args = ['--http-port', '0', '--grpc-port', '0', '--no-persist', '--idle-exit-minutes', '0.05'];
  const p = await spawnServer(args, env);
  assert.equal((JSON.parse(fs.readFileSync(path.join(stateDir, 'server.json'), 'utf8')) as { idleExitMinutes: number }).idleExitMinutes, 0.05, 'the state file says so');
  // A live client, as an open editor holds: it stays past the limit.
  const ws = new WebSocket(`ws://127.0.0.1:${p.ready.httpPort}/ws?token=${encodeURIComponent(p.ready.token)}`);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  await new Promise((r) => setTimeout(r, 4500));
  assert.equal(p.child.exitCode, null, 'an editor is connected: it stays');
  ws.close();
  // Then the editor goes: it exits once idle, and the port is free again.
  assert.equal(await p.exited, 0);
  assert.match(p.stderr(), /no live clients and no data for 0\.05 min \(--idle-exit-minutes\): exiting/);
  assert.ok(!fs.existsSync(path.join(stateDir, 'server.json')), 'the state file is removed');
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => { probe.once('error', reject); probe.listen(p.ready.httpPort, '127.0.0.1', () => resolve()); });
  probe.close();
});
