// A connection to one trace server: the query API over HTTP and the live feed over /ws, with the
// server's token. Editor-free. The live feed reconnects by itself; `onClose` tells the owner when
// it drops so that it can check whether the server is still there.
import WebSocket from 'ws';
import { uiRequestRoute, type ClientMessage, type LiveBreakpoints, type LivePause, type ServerMessage, type TraceListResponse, type TraceSummary, type TraceTreeResponse, type TreeRow, type UiMethod, type UiMethods } from '../protocol';
import type { ServerState } from '../stateFile';
import { baseUrl } from './discovery';
import { parseTreeLines, readTreeText } from '../treeStream';

export class ServerClient {
  readonly base: string;
  private ws: WebSocket | undefined;
  private closed = false;
  private subscribed: string[] = [];
  private readonly feedListeners = new Set<(m: ServerMessage) => void>();
  private readonly closeListeners = new Set<() => void>();

  constructor(readonly state: ServerState) {
    this.base = baseUrl(state);
  }

  get endpoint(): string { return this.base; }

  async request<T>(method: 'GET' | 'DELETE' | 'POST', path: string, body?: Uint8Array<ArrayBuffer>, contentType?: string, extra: Record<string, string> = {}): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.state.token}`, ...extra };
    if (contentType) headers['Content-Type'] = contentType;
    const res = await fetch(this.base + path, { method, headers, ...(body ? { body } : {}), signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    let json: unknown;
    try { json = JSON.parse(text); } catch { json = { error: text.trim() || `HTTP ${res.status}` }; }
    if (!res.ok) throw new Error((json as { error?: string }).error ?? `HTTP ${res.status}`);
    return json as T;
  }

  /** Answers a UI method (see UiMethods) from the API. */
  ui<M extends UiMethod>(method: M, params: UiMethods[M]['params']): Promise<UiMethods[M]['result']> {
    const route = uiRequestRoute(method, params as Record<string, unknown>);
    if (!route) return Promise.reject(new Error(`${method} is not an API request`));
    return route.body === undefined ? this.request(route.method, route.path)
      : this.request(route.method, route.path, new TextEncoder().encode(route.body) as Uint8Array<ArrayBuffer>, 'application/json', { 'X-Agent-Lens-Source': 'ui' });
  }

  /**
   * A run's tree read as NDJSON while it arrives, its rows handed to `onRows` a batch at a time
   * (about `batchChars` of text each): no one string holds the run, so a run past V8's string
   * limit opens in the editor too (the webview gets the batches as messages of their own).
   * Resolves with the rest of the answer (summary, byModel) and no rows.
   */
  async treeRows(traceId: string, onRows: (rows: TreeRow[], summary: TraceSummary | undefined) => void, batchChars = 16 << 20): Promise<TraceTreeResponse> {
    const out = { rows: [] as TreeRow[], byModel: [] } as unknown as TraceTreeResponse;
    await this.treeText(traceId, (text) => {
      const rows = parseTreeLines(text, out);
      if (rows.length) onRows(rows, out.summary);
    }, batchChars);
    if (!out.summary) throw new Error('the server ended the run\'s tree early (no summary); try again');
    out.rows = [];
    return out;
  }

  /**
   * A run's tree as NDJSON text, complete lines in batches of about `batchChars` (the first ones
   * smaller, doubling): what the webview gets, parsed there and nowhere else.
   */
  async treeText(traceId: string, onText: (text: string) => void, batchChars = 16 << 20): Promise<void> {
    const res = await fetch(`${this.base}/api/traces/${encodeURIComponent(traceId)}/tree?stream=ndjson`, { headers: { Authorization: `Bearer ${this.state.token}` }, signal: AbortSignal.timeout(300_000) });
    if (!res.ok || !res.body) {
      const body = await res.json().catch(() => ({})) as { error?: string };
      throw new Error(body.error ?? `HTTP ${res.status}`);
    }
    let batch: string[] = [];
    let len = 0;
    let limit = Math.min(batchChars, 256 << 10);
    await readTreeText(res.body, (text) => {
      batch.push(text);
      len += text.length;
      if (len >= limit) { onText(batch.join('\n')); batch = []; len = 0; limit = Math.min(batchChars, limit * 2); }
    });
    if (batch.length) onText(batch.join('\n'));
  }

  listTraces(limit = 500): Promise<TraceListResponse> {
    return this.ui('listTraces', { limit });
  }

  onFeed(cb: (m: ServerMessage) => void): () => void { this.feedListeners.add(cb); return () => this.feedListeners.delete(cb); }
  onClose(cb: () => void): () => void { this.closeListeners.add(cb); return () => this.closeListeners.delete(cb); }

  /** Span batches for these traces (summaries always come). */
  subscribe(traceIds: string[]): void {
    this.subscribed = traceIds;
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'subscribe', traceIds, form: 'rows' }));
  }

  /**
   * Attaches to live agents with these breakpoints (null detaches): `live` messages come on the
   * feed from then on. Said again when the feed reconnects.
   */
  attachLive(breakpoints: LiveBreakpoints | null): void {
    this.liveBreakpoints = breakpoints;
    this.sendFeed({ type: 'live', breakpoints });
  }
  private liveBreakpoints: LiveBreakpoints | null = null;

  /** Answers a paused call: on (with `input`, made with it instead), or failed with a message. */
  answerPause(p: LivePause, answer: { input?: unknown } | { fail: string } | { pass: true }): void {
    if ('pass' in answer) this.sendFeed({ type: 'pass', pauseId: p.pauseId, processId: p.process.id });
    else if ('fail' in answer) this.sendFeed({ type: 'fail', pauseId: p.pauseId, processId: p.process.id, message: answer.fail });
    else this.sendFeed({ type: 'resume', pauseId: p.pauseId, processId: p.process.id, ...(answer.input === undefined ? {} : { input: answer.input }) });
  }

  private sendFeed(m: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  /** Opens the live feed; resolves when it is open, rejects when the server cannot be reached. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const url = `${this.base.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(this.state.token)}`;
      const ws = new WebSocket(url, { handshakeTimeout: 5000 });
      this.ws = ws;
      let opened = false;
      ws.on('open', () => {
        opened = true;
        if (this.subscribed.length) ws.send(JSON.stringify({ type: 'subscribe', traceIds: this.subscribed, form: 'rows' }));
        if (this.liveBreakpoints) ws.send(JSON.stringify({ type: 'live', breakpoints: this.liveBreakpoints }));
        resolve();
      });
      ws.on('message', (d) => {
        let m: ServerMessage;
        try { m = JSON.parse(String(d)) as ServerMessage; } catch { return; }
        for (const cb of this.feedListeners) cb(m);
      });
      ws.on('error', (e) => { if (!opened) reject(e); });
      ws.on('close', () => {
        if (this.ws !== ws) return;
        this.ws = undefined;
        if (!opened) return;
        if (!this.closed) for (const cb of this.closeListeners) cb();
      });
    });
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
    this.ws = undefined;
  }
}
