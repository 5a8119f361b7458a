// The run view in editor tabs: each a webview with the UI bundle (dist/ui.js) under a strict CSP,
// talking to the extension by postMessage (HostToUi / UiToHost in protocol/ui.ts), which answers
// from the server's API and relays the live feed. One tab per run, titled after it, like files:
// opening a run reuses the preview tab (the one not kept), a double-click or a change made in it
// (feedback) keeps it, so two runs can sit side by side.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { PROTOCOL_VERSION, type CreepRule, type HostToUi, type ServerMessage, type SourceLocation, type UiPrefKey, type UiPrefs, type UiToHost } from '../protocol';
import type { ServerClient } from './client';
import { Scope } from './disposables';
import { runCommand, setContext } from './commandHost';

/** Text for an HTML attribute value in double quotes. */
const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** A second open of the same run within this many ms is a double-click: the tab is kept. */
const DOUBLE_CLICK_MS = 500;
const TITLE_MAX = 40;

class RunTab {
  traceId: string | undefined;
  kept = false;
  ready = false;
  readonly queue: HostToUi[] = [];
  subscribed: string[] = [];
  readonly scope = new Scope();
  constructor(readonly panel: vscode.WebviewPanel) {}

  post(m: HostToUi): void {
    if (!this.ready) { this.queue.push(m); return; }
    void this.panel.webview.postMessage(m);
  }
}

export interface RunTabsOptions {
  log(line: string): void;
  /** The conversation views judge creep by the user's settings. */
  creep(): CreepRule;
  /** What a person calls the run (its question, else its root's name); undefined when unknown. */
  titleOf(traceId: string): string | undefined;
  /** The run view's layout preferences (splitter widths), kept for every tab and session. */
  prefs(): UiPrefs;
  setPref(key: UiPrefKey, value: number | null): void;
  /** Where a tool or an agent is defined: in the run's own files (as the telemetry names them) first, then the workspace. */
  findDefinition(kind: 'tool' | 'agent', name: string, near: string[]): Promise<SourceLocation | undefined>;
}

export class RunTabs {
  private readonly tabs = new Set<RunTab>();
  private client: ServerClient | undefined;
  private connection: HostToUi = { type: 'connection', state: 'connecting' };
  private lastOpen: { traceId: string; at: number } | undefined;
  private readonly activated = new vscode.EventEmitter<string>();
  /** A tab showing a run became the active editor: the run's id. */
  readonly onDidActivateRun = this.activated.event;
  /** For tests: the last trace a tab was asked to show. */
  lastOpened: string | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly opts: RunTabsOptions) {}

  get isOpen(): boolean { return this.tabs.size > 0; }

  /** For tests and the Runs view: what each tab shows, and whether it is kept. */
  get open(): { traceId: string | undefined; kept: boolean; title: string; active: boolean }[] {
    return [...this.tabs].map((t) => ({ traceId: t.traceId, kept: t.kept, title: t.panel.title, active: t.panel.active }));
  }

  /** The server connection changed (or went away). */
  setClient(client: ServerClient | undefined, state: 'connected' | 'connecting' | 'disconnected', detail?: string): void {
    this.client = client;
    this.resubscribe();
    this.connection = { type: 'connection', state, ...(detail ? { detail } : {}) };
    for (const t of this.tabs) t.post(this.connection);
  }

  onFeed(m: ServerMessage): void {
    for (const t of this.tabs) t.post({ type: 'feed', message: m });
    // A live run gets its name when its question (or its root) arrives.
    if (m.type === 'summaries') for (const t of this.tabs) if (t.traceId && m.traces.some((s) => s.traceId === t.traceId)) this.retitle(t);
  }

  /**
   * Shows a run (at a step): in the tab that shows it, else in the preview tab, else in a new one.
   * Without a run, any tab (the runs list when there is none). `follow`: the debugger stopped
   * there, so the tab opens beside the editor and the focus stays where it was.
   */
  show(traceId?: string, spanId?: string, follow = false): void {
    const now = Date.now();
    const again = traceId && this.lastOpen?.traceId === traceId && now - this.lastOpen.at < DOUBLE_CLICK_MS;
    if (traceId) this.lastOpen = { traceId, at: now };
    let tab = traceId ? this.find((t) => t.traceId === traceId) : this.find((t) => t.panel.active) ?? this.find(() => true);
    if (!tab && traceId) tab = this.find((t) => !t.kept);
    if (!tab) tab = this.create(follow ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active, follow);
    else tab.panel.reveal(tab.panel.viewColumn ?? vscode.ViewColumn.Active, follow);
    if (!traceId) return;
    if (again) this.markKept(tab);
    this.lastOpened = traceId;
    this.showIn(tab, traceId);
    tab.post({ type: 'open', traceId, ...(spanId ? { spanId } : {}) });
  }

  /** Two runs in the diff view (a replay beside its original), in a kept tab of its own beside the editor. */
  compare(a: string, b: string): void {
    const tab = this.create(vscode.ViewColumn.Beside, false);
    this.markKept(tab);
    this.lastOpened = b;
    this.showIn(tab, b);
    tab.post({ type: 'open', traceId: b, diffFrom: a });
  }

  /** Keeps the active tab (or the one showing this run) open: the next run opens in a tab of its own. */
  keep(traceId?: string): void {
    const tab = traceId ? this.find((t) => t.traceId === traceId) : this.find((t) => t.panel.active);
    if (tab) this.markKept(tab);
  }

  private markKept(tab: RunTab): void {
    tab.kept = true;
    if (tab.panel.active) this.previewContext(tab);
  }

  /** Whether the tab in front is the preview (its title bar offers Keep Run Open). */
  private previewContext(tab: RunTab): void {
    setContext('agentLens.activeRunPreview', !tab.kept);
  }

  private find(pred: (t: RunTab) => boolean): RunTab | undefined {
    for (const t of this.tabs) if (pred(t)) return t;
    return undefined;
  }

  private showIn(tab: RunTab, traceId: string | undefined): void {
    if (tab.traceId === traceId) return;
    tab.traceId = traceId;
    this.retitle(tab);
    if (traceId && tab.panel.active) this.activated.fire(traceId);
  }

  private retitle(tab: RunTab): void {
    const name = tab.traceId ? this.opts.titleOf(tab.traceId) ?? `run ${tab.traceId.slice(0, 8)}` : 'Agent Lens';
    tab.panel.title = name.length > TITLE_MAX ? `${name.slice(0, TITLE_MAX - 1)}…` : name;
  }

  /** The live feed carries span batches for the runs any tab shows. */
  private resubscribe(): void {
    this.client?.subscribe([...new Set([...this.tabs].flatMap((t) => t.subscribed))]);
  }

  private create(column: vscode.ViewColumn, preserveFocus: boolean): RunTab {
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel('agentLens.run', 'Agent Lens', { viewColumn: column, preserveFocus }, {
      enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [dist],
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'agent-lens.svg');
    const tab = new RunTab(panel);
    this.tabs.add(tab);
    this.previewContext(tab);
    const w = panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const js = w.asWebviewUri(vscode.Uri.joinPath(dist, 'ui.js'));
    const css = w.asWebviewUri(vscode.Uri.joinPath(dist, 'ui.css'));
    // The shell paints at once (the stylesheet and a loading line), before the script has run.
    w.html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src ${w.cspSource} 'nonce-${nonce}'; img-src ${w.cspSource} data:; font-src ${w.cspSource}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${css}">
<title>Agent Lens</title>
</head><body class="in-editor" data-prefs="${escapeAttr(JSON.stringify(this.opts.prefs()))}"><div id="app"><p class="shell-loading" role="status">Opening the run…</p></div><script nonce="${nonce}" src="${js}"></script></body></html>`;
    tab.scope.register(w.onDidReceiveMessage((m: UiToHost) => void this.onMessage(tab, m)));
    tab.scope.register(panel.onDidChangeViewState((e) => {
      if (!e.webviewPanel.active) return;
      this.previewContext(tab);
      if (tab.traceId) this.activated.fire(tab.traceId);
    }));
    tab.scope.register(panel.onDidDispose(() => {
      this.tabs.delete(tab);
      this.resubscribe();
      tab.scope.dispose();
    }));
    return tab;
  }

  private async onMessage(tab: RunTab, m: UiToHost): Promise<void> {
    if (!m || typeof m !== 'object') return;
    switch (m.type) {
      case 'ready':
        if (m.protocolVersion !== PROTOCOL_VERSION) this.opts.log(`the run view speaks protocol ${m.protocolVersion}, the extension ${PROTOCOL_VERSION}`);
        tab.ready = true;
        tab.post(this.connection);
        for (const q of tab.queue.splice(0)) tab.post(q);
        return;
      case 'showing': this.showIn(tab, m.traceId); return;
      case 'keep': this.markKept(tab); return;
      case 'setPref': if (m.key === 'treeWidth' || m.key === 'detailWidth') this.opts.setPref(m.key, typeof m.value === 'number' ? m.value : null); return;
      case 'openDefinition': void runCommand('agentLens.openDefinition', { kind: m.kind, name: m.name }); return;
      case 'debugRun': void runCommand('agentLens.debugRun', m.traceId); return;
      case 'openTextDiff': void runCommand('agentLens.openTextDiff', m.title, m.left, m.right); return;
      case 'runToStep': void runCommand('agentLens.runToStep', m.traceId, m.spanId); return;
      case 'replayModelCall': void runCommand('agentLens.replayModelCall', m.traceId, m.spanId); return;
      case 'rerunFromHere': void runCommand('agentLens.rerunFromHere', m.traceId, m.spanId); return;
      case 'openSource': void runCommand('agentLens.openSource', { path: m.path, line: m.line, ...(m.column ? { column: m.column } : {}) }); return;
      case 'request': break;
      default: return;
    }
    if (m.method === 'subscribe') {
      tab.subscribed = m.params.traceIds.slice();
      this.resubscribe();
      tab.post({ type: 'response', seq: m.seq, result: null });
      return;
    }
    if (m.method === 'findDefinition') {
      // The workspace answers, not the receiver.
      const location = await this.opts.findDefinition(m.params.kind, m.params.name, m.params.near ?? []).catch(() => undefined);
      tab.post({ type: 'response', seq: m.seq, result: { location: location ?? null } });
      return;
    }
    const client = this.client;
    if (!client) { tab.post({ type: 'response', seq: m.seq, error: 'not connected to the Agent Lens receiver yet' }); return; }
    try {
      const rule = this.opts.creep();
      const params = m.method === 'listConversations' || m.method === 'getConversation' ? { ...m.params, creepRatio: rule.ratio, creepSteadyRatio: rule.steadyRatio } : m.params;
      // A run's tree goes as its NDJSON text, in batches of lines, then an empty answer: one message
      // with a big run's rows failed past V8's string limit, and rows parsed here and sent as
      // objects cost the channel several times the text (the webview parses it, once).
      const result = m.method === 'getTree'
        ? (await client.treeText(m.params.traceId, (text) => tab.post({ type: 'treeText', seq: m.seq, text })), null)
        : await client.ui(m.method, params as never);
      tab.post({ type: 'response', seq: m.seq, result });
    } catch (e) {
      tab.post({ type: 'response', seq: m.seq, error: (e as Error).message });
    }
  }

  dispose(): void {
    for (const t of [...this.tabs]) t.panel.dispose();
    this.activated.dispose();
  }
}
