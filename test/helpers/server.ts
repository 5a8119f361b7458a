// Test helpers: an in-process server on free ports with a fresh data directory, a real server
// process (`dist/cli.js serve --json`), and an authenticated API client.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { reap } from './reaper';
import { startServer, defaultOptions, type RunningServer, type ServerOptions } from '../../src/server/server';
import type { RerunPlan } from '../../src/protocol';

export function tmpDir(prefix = 'al-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startTestServer(over: Partial<ServerOptions> = {}): Promise<RunningServer> {
  return startServer(defaultOptions({ httpPort: 0, grpcPort: 0, dataDir: tmpDir(), token: 'test-token', ...over }));
}

export function api(base: { httpPort: number; token: string }) {
  return async <T = unknown>(p: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${base.httpPort}${p}`, { ...init, headers: { Authorization: `Bearer ${base.token}`, ...(init.headers ?? {}) } });
    if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');

export interface ServerProcess {
  child: ChildProcess;
  ready: { httpPort: number; grpcPort: number; token: string; pid: number; uiUrl: string; startupMs: number };
  stderr: () => string;
  exited: Promise<number | null>;
}

const spawned = new Set<ChildProcess>();

/** Kills every server process a test started (for `after`, so a failed test cannot hang the run). */
export function killServers(): void {
  for (const c of spawned) if (c.exitCode === null) c.kill('SIGKILL');
  spawned.clear();
}

/** Starts `agent-lens serve --json` and waits for its ready line. */
export async function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--json', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.add(child);
  const forget = reap(child.pid);
  child.once('exit', forget);
  let out = '', err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const ready = await new Promise<ServerProcess['ready']>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        const msg = JSON.parse(line);
        if (msg.event === 'ready') resolve(msg); else reject(new Error(`server failed: ${line}`));
      }
    });
    void exited.then((code) => reject(new Error(`server exited ${code}: ${err}`)));
    setTimeout(() => reject(new Error(`server not ready in 15 s: ${err}`)), 15_000).unref();
  });
  return { child, ready, stderr: () => err, exited };
}

/** A TCP port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as import('node:net').AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * The plan once the run is all in: the instrumentation's messages come as log records, each in a
 * request of its own, and the receiver may still be reading some after the spans (two reads a
 * moment apart that agree).
 */
export async function settledPlan(base: { httpPort: number; token: string }, traceId: string, q: string): Promise<RerunPlan> {
  let last = '';
  return waitFor('the run\'s content all in', async () => {
    const plan = await api(base)<RerunPlan>(`/api/traces/${traceId}/rerun?${q}`);
    const text = JSON.stringify(plan);
    if (text === last) return plan;
    last = text;
    await new Promise((r) => setTimeout(r, 300));
    return undefined;
  });
}
