// /ws: the live feed. Every client gets the summaries of runs that changed; span batches go to
// clients subscribed to their trace (or to all). Changes are coalesced per event-loop turn.
// Every client has a bounded queue: one that does not read what it was sent is sent nothing more
// (summaries included) and the ids of what changed meanwhile are kept; when it has caught up it
// gets a `resync` and those runs' summaries, and reloads what it shows. One that stays behind is
// disconnected with a close reason. All clients' queues together are bounded too (their share of
// the memory cap): past it, the client furthest behind is closed first (1013, try again later).
// Memory stays flat whatever the clients do, and however many there are.
import { WebSocketServer, type WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROTOCOL_VERSION, pausedSteps, treeRow, type ClientMessage, type HistoryState, type LiveState, type PausedStep, type ServerMessage, type TraceSummary } from '../protocol';
import { GATE_LIMITS, checkBreakpoints, type LiveGate } from './liveGate';
import type { IngestListener } from './ingest';
import { SharedRefs, logsBySpan, toApiLog, toApiSpan, treeSpan } from '../store/views';
import type { StoredSpan, TraceEntry } from '../store/traceEntry';
import type { LogRecordData } from '../otlp/records';

interface Client {
  ws: WebSocket;
  traces: Set<string> | '*';
  form: 'spans' | 'rows';
  /** Attached to live agents (ClientMessage `live`): it hears the gates and their pauses. */
  live?: boolean;
  /** Set while the client is behind: since when, and which runs changed meanwhile ('all' past a bound). */
  behindSince?: number;
  stale?: Set<string> | 'all';
}

export interface FeedLimits {
  /** Past this much unsent data a client is sent nothing until it has read it. */
  maxBufferedBytes: number;
  /** A client behind for this long is disconnected. */
  maxBehindMs: number;
  /** How often clients that are behind are checked for having caught up. */
  checkMs: number;
  /** All clients' unsent data together (their share of the memory cap: feedBudgetBytes in server.ts). */
  maxTotalBufferedBytes: number;
}

export const FEED_LIMITS: FeedLimits = { maxBufferedBytes: 4 * 1024 * 1024, maxBehindMs: 30_000, checkMs: 200, maxTotalBufferedBytes: 64 * 1024 * 1024 };
/** Past this many changed runs a lagging client is told to reload everything. */
const MAX_STALE = 10_000;
/** WebSocket close code 1013: try again later. */
const CLOSE_TRY_AGAIN = 1013;

export class LiveFeed implements IngestListener {
  // (A message may carry a paused call's edited input: a model call's whole request.)
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: GATE_LIMITS.maxMessageBytes });
  private readonly clients = new Set<Client>();
  private pendingSpans = new Map<TraceEntry, StoredSpan[]>();
  private pendingLogs = new Map<TraceEntry, LogRecordData[]>();
  private scheduled = false;
  private checkTimer: NodeJS.Timeout | undefined;

  constructor(private readonly serverVersion: string, private readonly limits: FeedLimits = FEED_LIMITS) {}

  get clientCount(): number { return this.clients.size; }

  /** Clients closed because all queues together were over their share of the memory cap. */
  closedForMemory = 0;

  /** Bytes queued for all clients together. */
  get queuedBytes(): number {
    let n = 0;
    for (const c of this.clients) n += c.ws.bufferedAmount;
    return n;
  }

  /** Past the feed's share of the memory cap, the clients furthest behind are closed until it is under. */
  private enforceTotal(): void {
    let total = this.queuedBytes;
    const max = this.limits.maxTotalBufferedBytes;
    if (total <= max) return;
    const byBehind = [...this.clients].sort((a, b) => b.ws.bufferedAmount - a.ws.bufferedAmount);
    for (const c of byBehind) {
      if (total <= max) break;
      const held = c.ws.bufferedAmount;
      this.drop(c, `feed over its memory share (${Math.round(total / 1048576)} MiB for ${this.clients.size} clients); furthest behind (${Math.round(held / 1024)} KiB unread): reconnect`);
      this.closedForMemory++;
      total -= held;
    }
  }

  /** Closes a client with 1013 (try again later) and a reason; one that reads nothing is cut off a second later. */
  private drop(c: Client, why: string): void {
    // (A close reason is at most 123 bytes.)
    c.ws.close(CLOSE_TRY_AGAIN, Buffer.byteLength(why) > 123 ? `${why.slice(0, 118)}…` : why);
    setTimeout(() => c.ws.terminate(), 1000).unref();
    this.clients.delete(c);
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const client: Client = { ws, traces: new Set(), form: 'spans' };
      this.clients.add(client);
      const gone = () => { this.clients.delete(client); if (client.live) this.gate?.attach(client, null); };
      ws.on('close', gone);
      ws.on('error', gone);
      ws.on('message', (data) => {
        let msg: ClientMessage;
        try { msg = JSON.parse(String(data)) as ClientMessage; } catch { return; }
        if (msg?.type === 'subscribe') {
          client.traces = msg.traceIds === '*' ? '*' : new Set(Array.isArray(msg.traceIds) ? msg.traceIds : []);
          client.form = msg.form === 'rows' ? 'rows' : 'spans';
        } else if (this.gate) this.toGate(client, msg, this.gate);
      });
      this.send(client, { type: 'hello', protocolVersion: PROTOCOL_VERSION, serverVersion: this.serverVersion });
      if (this.history.loading) this.send(client, { type: 'history', ...this.history });
      if (this.paused.length) this.send(client, { type: 'paused', pauses: this.paused });
    });
  }

  /** Pausing the live agent (liveGate.ts): what editors say goes to the broker. */
  gate: LiveGate | undefined;

  private toGate(client: Client, msg: ClientMessage, gate: LiveGate): void {
    if (msg?.type === 'live') {
      const bp = checkBreakpoints(msg.breakpoints);
      if (bp === undefined) return;
      client.live = bp !== null;
      gate.attach(client, bp);
      if (client.live) this.send(client, { type: 'live', ...gate.state });
    } else if (msg?.type === 'resume' && client.live) {
      gate.resume(String(msg.processId), String(msg.pauseId), msg.input);
    } else if (msg?.type === 'pass' && client.live) {
      gate.pass(client, String(msg.processId), String(msg.pauseId));
    } else if (msg?.type === 'fail' && client.live) {
      gate.fail(String(msg.processId), String(msg.pauseId), String(msg.message ?? 'failed from the debugger'));
    }
  }

  /** The gates or their pauses changed: every attached client hears it; every client, which calls wait (when that changed). */
  liveChanged(state: LiveState): void {
    for (const c of this.clients) if (c.live) this.send(c, { type: 'live', ...state });
    const key = state.pauses.map((p) => `${p.process.id}/${p.pauseId}`).join(' ');
    if (key === this.pausedKey) return;
    this.pausedKey = key;
    this.paused = pausedSteps(state);
    for (const c of this.clients) this.send(c, { type: 'paused', pauses: this.paused });
  }
  private pausedKey = '';
  /** The calls paused now (a client that connects while one waits hears of it at once). */
  private paused: PausedStep[] = [];

  private send(c: Client, m: ServerMessage): void {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(m));
  }

  /**
   * Whether the client may be sent more now. A client over the bound is marked behind and
   * remembers which runs changed (`changed`); one that has read what it had gets a resync first.
   */
  private ready(c: Client, changed: Iterable<string> | 'all'): boolean {
    if (c.ws.readyState !== c.ws.OPEN) return false;
    if (c.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      if (c.behindSince === undefined) { c.behindSince = Date.now(); c.stale = new Set(); this.scheduleCheck(); }
      if (changed === 'all' || c.stale === 'all') c.stale = 'all';
      else for (const id of changed) { c.stale!.add(id); if (c.stale!.size > MAX_STALE) { c.stale = 'all'; break; } }
      if (Date.now() - c.behindSince > this.limits.maxBehindMs) {
        this.drop(c, `fell behind: ${Math.round(c.ws.bufferedAmount / 1024)} KiB unread for ${Math.round(this.limits.maxBehindMs / 1000)} s; reconnect and reload`);
      }
      return false;
    }
    if (c.behindSince !== undefined) this.resync(c);
    return true;
  }

  /** The client caught up: it reloads what it shows, starting from these summaries. */
  private resync(c: Client): void {
    const stale = c.stale;
    c.behindSince = undefined;
    c.stale = undefined;
    const summaries = stale === 'all' || !stale ? [] : [...stale].map((id) => this.summaryOf(id)).filter((s): s is TraceSummary => !!s);
    this.send(c, { type: 'resync', reason: 'the connection fell behind; some live updates were left out', all: stale === 'all' });
    if (summaries.length) this.send(c, { type: 'summaries', traces: summaries });
  }

  /** The data directory's loading, as the server tracks it. */
  history: HistoryState = { loading: false, spans: 0, ms: 0 };

  /** How far the history has loaded, for every client that keeps up (a progress line: "loading history 40 %"). */
  historyProgress(): void {
    if (!this.history.loading) return;
    const msg = { type: 'history' as const, ...this.history };
    for (const c of this.clients) if (!c.stale && c.ws.bufferedAmount < 1024 * 1024) this.send(c, msg);
  }

  /** History has loaded: every client is told, and reloads what it shows. */
  historyLoaded(): void {
    for (const c of this.clients) if (this.ready(c, 'all')) this.send(c, { type: 'history', ...this.history });
  }

  /** Looks a run's current summary up (set by the server; absent when it was removed). */
  summaryOf: (traceId: string) => TraceSummary | undefined = () => undefined;

  private scheduleCheck(): void {
    if (this.checkTimer) return;
    this.checkTimer = setInterval(() => {
      let behind = 0;
      for (const c of this.clients) if (c.behindSince !== undefined) { this.ready(c, []); if (c.behindSince !== undefined) behind++; }
      this.enforceTotal();
      if (!behind) { clearInterval(this.checkTimer); this.checkTimer = undefined; }
    }, this.limits.checkMs);
    this.checkTimer.unref();
  }

  spans(added: Map<TraceEntry, StoredSpan[]>): void { this.gather(this.pendingSpans, added); }

  logs(added: Map<TraceEntry, LogRecordData[]>): void { this.gather(this.pendingLogs, added); }

  /** What a batch added, per run, kept for the next send (nothing while no client listens). */
  private gather<T>(pending: Map<TraceEntry, T[]>, added: Map<TraceEntry, T[]>): void {
    if (!this.clients.size) return;
    for (const [e, list] of added) {
      const cur = pending.get(e);
      if (cur) cur.push(...list); else pending.set(e, list.slice());
    }
    this.schedule();
  }

  /** A run's summary changed without new spans or logs (feedback): its summary goes out. */
  changed(e: TraceEntry): void {
    if (!this.clients.size) return;
    if (!this.pendingLogs.has(e)) this.pendingLogs.set(e, []);
    this.schedule();
  }

  removed(traceIds: string[] | 'all'): void {
    for (const [e] of this.pendingSpans) if (traceIds === 'all' || traceIds.includes(e.traceId)) this.pendingSpans.delete(e);
    for (const [e] of this.pendingLogs) if (traceIds === 'all' || traceIds.includes(e.traceId)) this.pendingLogs.delete(e);
    for (const c of this.clients) if (this.ready(c, traceIds)) this.send(c, { type: 'removed', traceIds });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const spans = this.pendingSpans, logs = this.pendingLogs;
    this.pendingSpans = new Map();
    this.pendingLogs = new Map();
    const touched = new Set<TraceEntry>([...spans.keys(), ...logs.keys()]);
    const summaries: TraceSummary[] = [...touched].filter((e) => e.summary.spanCount > 0).map((e) => e.summary);
    const summaryMsg = summaries.length ? JSON.stringify({ type: 'summaries', traces: summaries } satisfies ServerMessage) : '';
    const batches = new Map<TraceEntry, string>();
    const rowBatches = new Map<TraceEntry, string>();
    const rowsFor = (e: TraceEntry): string => {
      let s = rowBatches.get(e);
      if (s === undefined) {
        const msg: ServerMessage = {
          type: 'rows', traceId: e.traceId, rows: (spans.get(e) ?? []).map((x) => treeRow(treeSpan(x, e))),
          logSpanIds: [...new Set((logs.get(e) ?? []).map((l) => l.spanId).filter(Boolean))],
        };
        s = JSON.stringify(msg);
        rowBatches.set(e, s);
      }
      return s;
    };
    const batchFor = (e: TraceEntry, form: Client['form']): string => {
      if (form === 'rows') return rowsFor(e);
      let s = batches.get(e);
      if (s === undefined) {
        const refs = new SharedRefs();
        const joined = logsBySpan(e.logs, e);
        const msg: ServerMessage = {
          type: 'spans', traceId: e.traceId,
          spans: (spans.get(e) ?? []).map((x) => toApiSpan(x, refs, e, joined.get(x.spanId))),
          logs: (logs.get(e) ?? []).map((l) => toApiLog(l, refs)),
          resources: refs.resources, scopes: refs.scopes,
        };
        s = JSON.stringify(msg);
        batches.set(e, s);
      }
      return s;
    };
    const ids = [...touched].map((e) => e.traceId);
    for (const c of this.clients) {
      if (!this.ready(c, ids)) continue;
      // The spans first: they are what a view of the run waits for (its header and the list follow).
      for (const e of touched) {
        if (c.traces !== '*' && !c.traces.has(e.traceId)) continue;
        try {
          c.ws.send(batchFor(e, c.form));
        } catch (err) {
          // One batch that cannot be encoded must not stop the feed: the client refetches the run.
          batches.set(e, JSON.stringify({ type: 'resync', reason: `a live update could not be sent: ${(err as Error).message}`, all: false, traceIds: [e.traceId] } satisfies ServerMessage));
          c.ws.send(batches.get(e)!);
        }
      }
      if (summaryMsg) c.ws.send(summaryMsg);
    }
    this.enforceTotal();
  }

  close(): void {
    if (this.checkTimer) { clearInterval(this.checkTimer); this.checkTimer = undefined; }
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    this.wss.close();
  }
}
