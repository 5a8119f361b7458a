// The extension's link to the trace server, editor-free: join the server this user already runs,
// or start one; when the live feed drops, rejoin it, join whichever server another window started
// meanwhile, or start a new one (with backoff). Unit-tested in Node with real server processes.
import { isAlive, type ServerState } from '../stateFile';
import { ServerClient } from './client';
import { findRunning, probe, serveArgs, startServer } from './discovery';
import type { Settings } from './settings';

export type ConnectionState =
  | { kind: 'connecting'; detail: string }
  | { kind: 'connected'; client: ServerClient; owned: boolean }
  | { kind: 'port-in-use'; port: number; suggestion: number | null; message: string }
  | { kind: 'failed'; message: string };

export interface ConnectionOptions {
  node: string;
  cli: string;
  settings(): Settings;
  /** A file with the price overrides, when there are any. */
  pricesFile(): string | undefined;
  log(line: string): void;
  env?: NodeJS.ProcessEnv;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Connection {
  private current: ConnectionState = { kind: 'connecting', detail: 'starting' };
  private readonly listeners = new Set<(s: ConnectionState) => void>();
  private disposed = false;
  private busy: Promise<void> | undefined;
  private failures: number[] = [];

  constructor(private readonly o: ConnectionOptions) {}

  get state(): ConnectionState { return this.current; }
  get client(): ServerClient | undefined { return this.current.kind === 'connected' ? this.current.client : undefined; }

  onState(cb: (s: ConnectionState) => void): () => void { this.listeners.add(cb); return () => this.listeners.delete(cb); }

  private set(s: ConnectionState): void {
    if (this.disposed) { if (s.kind === 'connected') s.client.close(); return; }
    this.current = s;
    for (const cb of this.listeners) cb(s);
  }

  /** Joins or starts a server. Concurrent calls share one attempt. */
  start(): Promise<void> {
    this.busy ??= this.establish().finally(() => { this.busy = undefined; });
    return this.busy;
  }

  private async establish(): Promise<void> {
    this.client?.close();
    this.set({ kind: 'connecting', detail: 'looking for a running receiver' });
    const running = await findRunning();
    if (running) { await this.join(running, false); return; }
    this.set({ kind: 'connecting', detail: 'starting the receiver' });
    const s = this.o.settings();
    const r = await startServer({ node: this.o.node, cli: this.o.cli, args: serveArgs(s, this.o.pricesFile()), env: this.o.env, onLog: (l) => this.o.log(`[server] ${l}`) });
    if (r.kind === 'ready') {
      this.o.log(`started the receiver (pid ${r.pid}) on ${r.state.host}:${r.state.httpPort} (gRPC ${r.state.grpcPort})`);
      await this.join(r.state, true);
      return;
    }
    if (r.kind === 'port-in-use') {
      // Another window may be starting one right now: give it a moment to write its state file.
      for (let i = 0; i < 6 && !this.disposed; i++) {
        await sleep(500);
        const other = await findRunning();
        if (other) { await this.join(other, false); return; }
      }
      this.o.log(r.message);
      this.set({ kind: 'port-in-use', port: r.port, suggestion: r.suggestion, message: r.message });
      return;
    }
    this.o.log(`could not start the receiver: ${r.message}`);
    this.set({ kind: 'failed', message: r.message });
  }

  private async join(state: ServerState, owned: boolean): Promise<void> {
    const client = new ServerClient(state);
    try {
      await client.connect();
    } catch (e) {
      this.set({ kind: 'failed', message: `could not connect to the receiver at ${client.base}: ${(e as Error).message}` });
      return;
    }
    if (!owned) this.o.log(`joined the receiver (pid ${state.pid}) at ${client.base}`);
    client.onClose(() => void this.recover(client));
    this.set({ kind: 'connected', client, owned });
  }

  /** The live feed dropped: the same server again, another window's, or a new one. */
  private async recover(lost: ServerClient): Promise<void> {
    if (this.disposed || this.client !== lost) return;
    const now = Date.now();
    this.failures = this.failures.filter((t) => now - t < 60_000).concat(now);
    if (this.failures.length > 5) {
      this.set({ kind: 'failed', message: 'the receiver keeps stopping (5 times in a minute); see the Agent Lens output, then run "Agent Lens: Restart Receiver"' });
      return;
    }
    this.set({ kind: 'connecting', detail: 'the receiver went away; reconnecting' });
    await sleep(300 * this.failures.length);
    if (this.disposed) return;
    if (isAlive(lost.state.pid) && (await probe(lost.state))) {
      this.o.log('reconnected to the receiver');
      await this.join(lost.state, false);
      return;
    }
    this.o.log(`the receiver (pid ${lost.state.pid}) is gone; ${'looking for another or starting one'}`);
    await this.start();
  }

  /** Stops the running server (whoever started it) and starts a new one with the current settings. */
  async restart(): Promise<void> {
    const c = this.client;
    const target = c?.state ?? (await findRunning());
    this.set({ kind: 'connecting', detail: 'restarting the receiver' });
    c?.close();
    if (target && isAlive(target.pid)) {
      try { process.kill(target.pid, 'SIGTERM'); } catch { /* already gone */ }
      for (let i = 0; i < 50 && isAlive(target.pid); i++) await sleep(100);
      if (isAlive(target.pid)) try { process.kill(target.pid, 'SIGKILL'); } catch { /* gone */ }
      this.o.log(`stopped the receiver (pid ${target.pid})`);
    }
    this.failures = [];
    await this.start();
  }

  dispose(): void {
    this.disposed = true;
    this.client?.close();
    this.listeners.clear();
  }
}
