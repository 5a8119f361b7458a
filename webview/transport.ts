// How the UI reaches the trace server. In a browser tab: HTTP for requests and a WebSocket for the
// live feed, with the token from the page URL. In a VS Code webview: postMessage to the extension,
// which relays (see HostToUi / UiToHost in protocol/ui.ts). The views see only the `Host` interface.
import { PROTOCOL_VERSION, uiRequestRoute, type HostToUi, type ServerMessage, type SourceLocation, type TraceSummary, type TraceTreeResponse, type TreeRow, type UiMethod, type UiMethods, type UiPrefKey, type UiPrefs, type UiToHost } from '../src/protocol';
import { parseTreeLines, readTreeStream, readTreeText } from '../src/treeStream';

/** `unauthorized`: a browser tab opened without the receiver's token (or with an old one): nothing to do but get the address. */
export type ConnectionState = 'connected' | 'connecting' | 'disconnected' | 'unauthorized';

export interface Host {
  request<M extends UiMethod>(method: M, params: UiMethods[M]['params']): Promise<UiMethods[M]['result']>;
  /**
   * A run's tree as it arrives (`getTree`, streamed): its NDJSON text (src/treeStream.ts), complete
   * lines a batch at a time (a summary line, its rows in tree order, a rollup line); resolves when
   * all is read. RunModel.addTreeText reads it.
   */
  treeText(traceId: string, onText: (text: string) => void): Promise<void>;
  onFeed(cb: (m: ServerMessage) => void): void;
  onConnection(cb: (state: ConnectionState, detail?: string) => void): void;
  /** The editor asks to show a run (webview only); `diffFrom`: compared with that run. */
  onOpen(cb: (traceId: string, spanId?: string, diffFrom?: string) => void): void;
  /** Opens a code location in the editor; absent where there is no editor (a browser tab). */
  openSource?(loc: { path: string; line: number; column?: number }): void;
  /** Finds and opens where a tool, agent or prompt is defined (editor only). */
  openDefinition?(kind: 'tool' | 'agent' | 'prompt', name: string): void;
  /** Where a tool or an agent is defined (the run's own files first, then the workspace), if found (editor only). */
  findDefinition?(kind: 'tool' | 'agent', name: string, near?: string[]): Promise<SourceLocation | undefined>;
  /** Replays a run in the editor's debugger (editor only). */
  debugRun?(traceId: string): void;
  /** Moves the run's replay to a step, starting one if none runs (editor only). */
  runToStep?(traceId: string, spanId: string): void;
  /** Opens two texts in the editor's own diff view (editor only). */
  openTextDiff?(title: string, left: string, right: string): void;
  /** Opens a model call as its request in an editor document, to edit and send (editor only; the browser edits it in the page). */
  replayModelCall?(traceId: string, spanId: string): void;
  /** Starts the app again from a step, with the recorded answers before it (editor only). */
  rerunFromHere?(traceId: string, spanId: string): void;
  /** Tells the editor what the view shows (it names the tab) (editor only). */
  showing?(traceId: string | undefined): void;
  /** The person changed something here: the editor keeps the tab open (editor only). */
  keep?(): void;
  /** Layout preferences (splitter widths), remembered across tabs and sessions: by the editor, or the browser's storage. */
  readonly prefs: { get(key: UiPrefKey): number | undefined; set(key: UiPrefKey, value: number | undefined): void };
}

/** Preferences a page keeps itself (the browser's localStorage), starting from `initial`. */
function localPrefs(initial: UiPrefs, save: (p: UiPrefs) => void): Host['prefs'] {
  const prefs: UiPrefs = { ...initial };
  return {
    get: (key) => prefs[key],
    set: (key, value) => { if (value === undefined) delete prefs[key]; else prefs[key] = value; save(prefs); },
  };
}

function storedPrefs(): UiPrefs {
  try { return JSON.parse(localStorage.getItem('agentLensPrefs') ?? '{}') as UiPrefs; } catch { return {}; }
}

class Listeners<A extends unknown[]> {
  private readonly list: ((...a: A) => void)[] = [];
  add(cb: (...a: A) => void): void { this.list.push(cb); }
  emit(...a: A): void { for (const cb of this.list) cb(...a); }
}

/** The browser page served by the trace server. */
export class HttpHost implements Host {
  private readonly feed = new Listeners<[ServerMessage]>();
  private readonly conn = new Listeners<[ConnectionState, string?]>();
  private ws: WebSocket | undefined;
  private subscribed: string[] = [];
  private retryMs = 250;
  readonly prefs = localPrefs(storedPrefs(), (p) => { try { localStorage.setItem('agentLensPrefs', JSON.stringify(p)); } catch { /* storage off: this page only */ } });
  /** The state last told, for a listener that comes later. */
  private state: [ConnectionState, string?] = ['connecting'];

  /** `base`: the path the page is served under ('' at the root), prefixed to every request. */
  constructor(private readonly token: string, private readonly base = '') {
    if (token) this.connect(); else this.tell('unauthorized', 'no token in the address');
  }

  private tell(state: ConnectionState, detail?: string): void {
    this.state = [state, detail];
    this.conn.emit(state, detail);
  }

  private headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}` };
  }

  private async http(method: string, path: string, payload?: string): Promise<unknown> {
    const res = await fetch(this.base + path, { method, headers: payload ? { ...this.headers(), 'Content-Type': 'application/json', 'X-Agent-Lens-Source': 'ui' } : this.headers(), ...(payload ? { body: payload } : {}) });
    const body = await res.json().catch(() => ({ error: `HTTP ${res.status}` })) as { error?: string };
    if (res.status === 401) this.unauthorized(body.error);
    if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
    return body;
  }

  request<M extends UiMethod>(method: M, params: UiMethods[M]['params']): Promise<UiMethods[M]['result']> {
    if (method === 'subscribe') {
      this.subscribed = (params as UiMethods['subscribe']['params']).traceIds.slice();
      this.sendSubscribe();
      return Promise.resolve(null as UiMethods[M]['result']);
    }
    const route = uiRequestRoute(method, params as Record<string, unknown>);
    if (!route) return Promise.reject(new Error(`unknown method ${String(method)}`));
    if (method === 'getTree') return this.tree(route.path) as Promise<UiMethods[M]['result']>;
    return this.http(route.method, route.path, route.body) as Promise<UiMethods[M]['result']>;
  }

  /** A run's tree read as NDJSON while it arrives (src/treeStream.ts), all of it. */
  private async tree(path: string): Promise<TraceTreeResponse> {
    const rows: TreeRow[] = [];
    const out = await this.treeAt(path, (chunk) => { for (const r of chunk) rows.push(r); });
    out.rows = rows;
    return out;
  }

  async treeText(traceId: string, onText: (text: string) => void): Promise<void> {
    await readTreeText(await this.treeBody(uiRequestRoute('getTree', { traceId })!.path), onText);
  }

  private async treeAt(path: string, onRows: (rows: TreeRow[], summary: TraceSummary | undefined) => void): Promise<TraceTreeResponse> {
    return readTreeStream(await this.treeBody(path), (chunk, _chars, summary) => onRows(chunk, summary));
  }

  private async treeBody(path: string): Promise<ReadableStream<Uint8Array>> {
    const res = await fetch(`${this.base}${path}?stream=ndjson`, { headers: this.headers() });
    if (res.status === 401) this.unauthorized();
    if (!res.ok || !res.body) {
      const body = await res.json().catch(() => ({})) as { error?: string };
      throw new Error(body.error ?? `HTTP ${res.status}`);
    }
    return res.body;
  }

  private sendSubscribe(): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'subscribe', traceIds: this.subscribed, form: 'rows' }));
  }

  /** The token was refused: no more reconnecting, the page says how to get the address. */
  private unauthorized(why = 'the token was refused'): void {
    if (this.state[0] === 'unauthorized') return;
    const ws = this.ws;
    this.ws = undefined;
    ws?.close();
    this.tell('unauthorized', why);
  }

  private connect(): void {
    this.tell('connecting');
    const url = new URL(`${this.base}/ws`, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', this.token);
    const ws = new WebSocket(url);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => { opened = true; this.retryMs = 250; this.sendSubscribe(); this.tell('connected'); };
    ws.onmessage = (ev) => {
      let m: ServerMessage;
      try { m = JSON.parse(String(ev.data)) as ServerMessage; } catch { return; }
      this.feed.emit(m);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      // Refused before it opened: a token the receiver does not know (it restarted with a new one)?
      if (!opened) void this.request('getStatus', {}).catch(() => undefined);
      this.tell('disconnected', `reconnecting in ${Math.round(this.retryMs / 100) / 10} s`);
      setTimeout(() => { if (this.ws === ws) this.connect(); }, this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }

  onFeed(cb: (m: ServerMessage) => void): void { this.feed.add(cb); }
  onConnection(cb: (state: ConnectionState, detail?: string) => void): void { this.conn.add(cb); cb(...this.state); }
  onOpen(): void { /* a browser tab is opened by its URL */ }
}

interface VsCodeApi { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;

/** Inside a VS Code webview: the extension relays requests and the live feed. */
export class PostMessageHost implements Host {
  private readonly api = acquireVsCodeApi();
  private seq = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; tree?: Partial<TraceTreeResponse>; rows?: TreeRow[][]; onText?: (text: string) => void }>();
  private readonly feed = new Listeners<[ServerMessage]>();
  private readonly conn = new Listeners<[ConnectionState, string?]>();
  private readonly open = new Listeners<[string, string?, string?]>();
  /** Kept by the extension (it writes them into the page for every new tab). */
  readonly prefs = localPrefs(pagePrefs(), (p) => {
    for (const key of ['treeWidth', 'detailWidth'] as const) this.post({ type: 'setPref', key, value: p[key] ?? null });
  });

  constructor() {
    window.addEventListener('message', (ev: MessageEvent) => {
      const m = ev.data as HostToUi;
      if (!m || typeof m !== 'object') return;
      if (m.type === 'response') {
        const p = this.pending.get(m.seq);
        if (!p) return;
        this.pending.delete(m.seq);
        if ('error' in m) p.reject(new Error(m.error));
        else if (p.onText) p.resolve(undefined);
        // A tree came before its answer, as text in batches of lines.
        else if (p.tree) {
          if (!p.tree.summary) p.reject(new Error('the run\'s tree ended early (no summary); try again'));
          else p.resolve({ byModel: [], ...p.tree, rows: (p.rows ?? []).flat() });
        } else p.resolve(m.result);
      } else if (m.type === 'treeText') {
        const p = this.pending.get(m.seq);
        if (!p) return;
        if (p.onText) p.onText(m.text);
        else (p.rows ??= []).push(parseTreeLines(m.text, (p.tree ??= {})));
      } else if (m.type === 'feed') this.feed.emit(m.message);
      else if (m.type === 'connection') this.conn.emit(m.state, m.detail);
      else if (m.type === 'open') this.open.emit(m.traceId, m.spanId, m.diffFrom);
    });
    this.post({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
  }

  private post(m: UiToHost): void { this.api.postMessage(m); }

  request<M extends UiMethod>(method: M, params: UiMethods[M]['params']): Promise<UiMethods[M]['result']> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ type: 'request', seq, method, params } as UiToHost);
    });
  }

  treeText(traceId: string, onText: (text: string) => void): Promise<void> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject, onText });
      this.post({ type: 'request', seq, method: 'getTree', params: { traceId } } as UiToHost);
    });
  }

  onFeed(cb: (m: ServerMessage) => void): void { this.feed.add(cb); }
  onConnection(cb: (state: ConnectionState, detail?: string) => void): void { this.conn.add(cb); }
  onOpen(cb: (traceId: string, spanId?: string, diffFrom?: string) => void): void { this.open.add(cb); }

  debugRun(traceId: string): void {
    this.post({ type: 'debugRun', traceId });
  }

  runToStep(traceId: string, spanId: string): void {
    this.post({ type: 'runToStep', traceId, spanId });
  }

  openTextDiff(title: string, left: string, right: string): void {
    this.post({ type: 'openTextDiff', title, left, right });
  }

  replayModelCall(traceId: string, spanId: string): void {
    this.post({ type: 'replayModelCall', traceId, spanId });
  }

  rerunFromHere(traceId: string, spanId: string): void {
    this.post({ type: 'rerunFromHere', traceId, spanId });
  }

  showing(traceId: string | undefined): void {
    this.post(traceId ? { type: 'showing', traceId } : { type: 'showing' });
  }

  keep(): void {
    this.post({ type: 'keep' });
  }

  openDefinition(kind: 'tool' | 'agent' | 'prompt', name: string): void {
    this.post({ type: 'openDefinition', kind, name });
  }

  async findDefinition(kind: 'tool' | 'agent', name: string, near?: string[]): Promise<SourceLocation | undefined> {
    return (await this.request('findDefinition', { kind, name, ...(near?.length ? { near } : {}) })).location ?? undefined;
  }

  openSource(loc: { path: string; line: number; column?: number }): void {
    this.post({ type: 'openSource', path: loc.path, line: loc.line, ...(loc.column ? { column: loc.column } : {}) });
  }
}

/** The preferences the extension wrote into the page (`data-prefs` on the body). */
function pagePrefs(): UiPrefs {
  try { return JSON.parse(document.body.dataset.prefs ?? '{}') as UiPrefs; } catch { return {}; }
}

export function hostForPage(): Host {
  if (typeof (globalThis as { acquireVsCodeApi?: unknown }).acquireVsCodeApi === 'function') return new PostMessageHost();
  const params = new URLSearchParams(location.search);
  const hash = new URLSearchParams(location.hash.replace(/^#[^?]*\??/, ''));
  const token = params.get('token') ?? hash.get('token') ?? sessionStorage.getItem('agentLensToken') ?? '';
  if (token) sessionStorage.setItem('agentLensToken', token);
  // Served under a path (a port proxy's /proxy/4318/): requests go under it too.
  return new HttpHost(token, location.pathname.replace(/\/[^/]*$/, ''));
}
