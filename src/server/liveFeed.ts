// /ws: the live feed. Every client gets the summaries of runs that changed; span batches go to
// clients subscribed to their trace (or to all). Changes are coalesced per event-loop turn.
import { WebSocketServer, type WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROTOCOL_VERSION, type ClientMessage, type ServerMessage, type TraceSummary } from '../protocol';
import type { IngestListener } from './ingest';
import { SharedRefs, logsBySpan, toApiLog, toApiSpan } from '../store/views';
import type { StoredSpan, TraceEntry } from '../store/traceEntry';
import type { LogRecordData } from '../otlp/records';

interface Client {
  ws: WebSocket;
  traces: Set<string> | '*';
}

/** Past this much unsent data a client gets summaries only until it drains (and can refetch). */
const MAX_BUFFERED = 8 * 1024 * 1024;

export class LiveFeed implements IngestListener {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly clients = new Set<Client>();
  private pendingSpans = new Map<TraceEntry, StoredSpan[]>();
  private pendingLogs = new Map<TraceEntry, LogRecordData[]>();
  private scheduled = false;

  constructor(private readonly serverVersion: string) {}

  get clientCount(): number { return this.clients.size; }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const client: Client = { ws, traces: new Set() };
      this.clients.add(client);
      ws.on('close', () => this.clients.delete(client));
      ws.on('error', () => this.clients.delete(client));
      ws.on('message', (data) => {
        let msg: ClientMessage;
        try { msg = JSON.parse(String(data)) as ClientMessage; } catch { return; }
        if (msg?.type === 'subscribe') client.traces = msg.traceIds === '*' ? '*' : new Set(Array.isArray(msg.traceIds) ? msg.traceIds : []);
      });
      this.send(client, { type: 'hello', protocolVersion: PROTOCOL_VERSION, serverVersion: this.serverVersion });
    });
  }

  private send(c: Client, m: ServerMessage): void {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(m));
  }

  spans(added: Map<TraceEntry, StoredSpan[]>): void {
    if (!this.clients.size) return;
    for (const [e, list] of added) {
      const cur = this.pendingSpans.get(e);
      if (cur) cur.push(...list); else this.pendingSpans.set(e, list.slice());
    }
    this.schedule();
  }

  logs(added: Map<TraceEntry, LogRecordData[]>): void {
    if (!this.clients.size) return;
    for (const [e, list] of added) {
      const cur = this.pendingLogs.get(e);
      if (cur) cur.push(...list); else this.pendingLogs.set(e, list.slice());
    }
    this.schedule();
  }

  removed(traceIds: string[] | 'all'): void {
    for (const [e] of this.pendingSpans) if (traceIds === 'all' || traceIds.includes(e.traceId)) this.pendingSpans.delete(e);
    for (const [e] of this.pendingLogs) if (traceIds === 'all' || traceIds.includes(e.traceId)) this.pendingLogs.delete(e);
    for (const c of this.clients) this.send(c, { type: 'removed', traceIds });
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
    const batchFor = (e: TraceEntry): string => {
      let s = batches.get(e);
      if (s === undefined) {
        const refs = new SharedRefs();
        const joined = logsBySpan(e.logs);
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
    for (const c of this.clients) {
      if (c.ws.readyState !== c.ws.OPEN) continue;
      if (summaryMsg) c.ws.send(summaryMsg);
      if (c.ws.bufferedAmount > MAX_BUFFERED) continue;
      for (const e of touched) if (c.traces === '*' || c.traces.has(e.traceId)) c.ws.send(batchFor(e));
    }
  }

  close(): void {
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    this.wss.close();
  }
}
