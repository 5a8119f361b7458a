// Finding or starting the trace server, editor-free (unit-tested in Node): a running server is
// found through its state file and confirmed by asking it; otherwise one is started as a detached
// child (so it outlives a window reload and serves every window) with the editor's own Node.
import { spawn } from 'node:child_process';
import * as readline from 'node:readline';
import { readState, type ServerState } from '../stateFile';
import type { Settings } from './settings';
import { uiRequestRoute } from '../protocol';

export function baseUrl(s: ServerState): string {
  const host = s.host === '0.0.0.0' ? '127.0.0.1' : s.host === '::' ? '::1' : s.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${s.httpPort}`;
}

/** Whether the server named by a state file answers with its token. */
export async function probe(s: ServerState, timeoutMs = 1500): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl(s)}${uiRequestRoute('getStatus', {})!.path}`, { headers: { Authorization: `Bearer ${s.token}` }, signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

/** The server this user already runs (another window, a terminal), if it answers. */
export async function findRunning(): Promise<ServerState | undefined> {
  const s = readState();
  return s && (await probe(s)) ? s : undefined;
}

/** `agent-lens serve` arguments for the settings. */
export function serveArgs(s: Settings, pricesFile?: string): string[] {
  const args = ['serve', '--json', '--http-port', String(s['server.httpPort']), '--grpc-port', String(s['server.grpcPort']), '--host', s['server.host'],
    '--max-memory-mb', String(s['server.maxMemoryMb']), '--retention-days', String(s['server.retentionDays']), '--idle-exit-minutes', String(s['server.idleExitMinutes'])];
  if (!s['server.persist']) args.push('--no-persist');
  else if (s['server.dataDir']) args.push('--data-dir', s['server.dataDir']);
  for (const o of s['server.corsOrigins']) args.push('--cors-origin', o);
  if (pricesFile) args.push('--prices', pricesFile);
  return args;
}

export type StartResult =
  | { kind: 'ready'; state: ServerState; pid: number }
  | { kind: 'port-in-use'; port: number; suggestion: number | null; message: string; agentLens: boolean }
  | { kind: 'failed'; message: string };

export interface StartOptions {
  /** The Node to run: the editor's own (`process.execPath`, with ELECTRON_RUN_AS_NODE=1 in Electron). */
  node: string;
  cli: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  onLog?(line: string): void;
  timeoutMs?: number;
}

/** Starts `agent-lens serve --json` detached and waits for its ready (or error) line. */
export function startServer(o: StartOptions): Promise<StartResult> {
  return new Promise((resolve) => {
    const child = spawn(o.node, [o.cli, ...o.args], {
      detached: true, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true,
      env: { ...process.env, ...o.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    let done = false;
    const finish = (r: StartResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (r.kind === 'ready') {
        // The server lives on without us: nothing here keeps the editor's process waiting for it.
        child.unref();
        (child.stdout as unknown as { unref?(): void }).unref?.();
        (child.stderr as unknown as { unref?(): void }).unref?.();
      }
      resolve(r);
    };
    const timer = setTimeout(() => { child.kill(); finish({ kind: 'failed', message: `the server did not start within ${(o.timeoutMs ?? 15000) / 1000} s` }); }, o.timeoutMs ?? 15000);
    readline.createInterface({ input: child.stderr! }).on('line', (l) => o.onLog?.(l));
    readline.createInterface({ input: child.stdout! }).on('line', (l) => {
      let m: { event?: string; code?: string; port?: number; suggestion?: number | null; message?: string } & Partial<ServerState>;
      try { m = JSON.parse(l); } catch { o.onLog?.(l); return; }
      if (m.event === 'ready') finish({ kind: 'ready', state: m as ServerState, pid: child.pid! });
      else if (m.code === 'port-in-use') finish({ kind: 'port-in-use', port: m.port!, suggestion: m.suggestion ?? null, message: m.message ?? '', agentLens: /Agent Lens server already running/.test(m.message ?? '') });
      else if (m.event === 'error') finish({ kind: 'failed', message: m.message ?? 'the server could not start' });
    });
    child.on('error', (e) => finish({ kind: 'failed', message: `could not run ${o.node}: ${e.message}` }));
    child.on('exit', (code) => finish({ kind: 'failed', message: `the server exited (code ${code}) before it was ready` }));
  });
}
