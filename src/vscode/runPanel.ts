// The run view in a webview panel: the UI bundle (dist/ui.js) with a strict CSP, talking to the
// extension by postMessage (HostToUi / UiToHost in protocol.ts), which answers from the server's
// API and relays the live feed. One panel, reused; it opens at the run that was picked.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { PROTOCOL_VERSION, type HostToUi, type ServerMessage, type UiToHost } from '../protocol';
import type { ServerClient } from './client';
import { Scope } from './disposables';

export class RunPanel {
  private panel: vscode.WebviewPanel | undefined;
  private scope: Scope | undefined;
  private ready = false;
  private queue: HostToUi[] = [];
  private subscribed: string[] = [];
  private client: ServerClient | undefined;
  /** For tests: the last trace the panel was asked to show. */
  lastOpened: string | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly log: (l: string) => void, private readonly creepRatio: () => number = () => 2) {}

  get isOpen(): boolean { return !!this.panel; }

  /** The server connection changed (or went away). */
  setClient(client: ServerClient | undefined, state: 'connected' | 'connecting' | 'disconnected', detail?: string): void {
    this.client = client;
    if (client && this.subscribed.length) client.subscribe(this.subscribed);
    this.post({ type: 'connection', state, ...(detail ? { detail } : {}) });
  }

  onFeed(m: ServerMessage): void {
    if (this.panel) this.post({ type: 'feed', message: m });
  }

  show(traceId?: string, spanId?: string, follow = false): void {
    // Following the debugger: beside the editor it shows the step in, the focus left there.
    if (!this.panel) this.create(follow ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active, follow);
    else this.panel.reveal(this.panel.viewColumn ?? vscode.ViewColumn.Active, follow);
    if (traceId) {
      this.lastOpened = traceId;
      this.post({ type: 'open', traceId, ...(spanId ? { spanId } : {}) });
    }
  }

  private post(m: HostToUi): void {
    if (!this.panel) return;
    if (!this.ready) { this.queue.push(m); return; }
    void this.panel.webview.postMessage(m);
  }

  private create(column: vscode.ViewColumn = vscode.ViewColumn.Active, preserveFocus = false): void {
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel('agentLens.run', 'Agent Lens', { viewColumn: column, preserveFocus }, {
      enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [dist],
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'agent-lens.svg');
    this.panel = panel;
    this.ready = false;
    const scope = (this.scope = new Scope());
    const w = panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const js = w.asWebviewUri(vscode.Uri.joinPath(dist, 'ui.js'));
    const css = w.asWebviewUri(vscode.Uri.joinPath(dist, 'ui.css'));
    w.html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src ${w.cspSource} 'nonce-${nonce}'; img-src ${w.cspSource} data:; font-src ${w.cspSource}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${css}">
<title>Agent Lens</title>
</head><body><div id="app"></div><script nonce="${nonce}" src="${js}"></script></body></html>`;
    scope.register(w.onDidReceiveMessage((m: UiToHost) => void this.onMessage(m)));
    scope.register(panel.onDidDispose(() => {
      this.panel = undefined;
      this.subscribed = [];
      this.client?.subscribe([]);
      scope.dispose();
    }));
  }

  private async onMessage(m: UiToHost): Promise<void> {
    if (!m || typeof m !== 'object') return;
    if (m.type === 'ready') {
      if (m.protocolVersion !== PROTOCOL_VERSION) this.log(`the run view speaks protocol ${m.protocolVersion}, the extension ${PROTOCOL_VERSION}`);
      this.ready = true;
      this.post({ type: 'connection', state: this.client ? 'connected' : 'connecting' });
      for (const q of this.queue.splice(0)) this.post(q);
      return;
    }
    if (m.type === 'openDefinition') {
      void vscode.commands.executeCommand('agentLens.openDefinition', { kind: m.kind, name: m.name });
      return;
    }
    if (m.type === 'debugRun') {
      void vscode.commands.executeCommand('agentLens.debugRun', m.traceId);
      return;
    }
    if (m.type === 'openTextDiff') {
      void vscode.commands.executeCommand('agentLens.openTextDiff', m.title, m.left, m.right);
      return;
    }
    if (m.type === 'runToStep') {
      void vscode.commands.executeCommand('agentLens.runToStep', m.traceId, m.spanId);
      return;
    }
    if (m.type === 'openSource') {
      void vscode.commands.executeCommand('agentLens.openSource', { path: m.path, line: m.line, column: m.column });
      return;
    }
    if (m.type !== 'request') return;
    if (m.method === 'subscribe') {
      this.subscribed = m.params.traceIds.slice();
      this.client?.subscribe(this.subscribed);
      this.post({ type: 'response', seq: m.seq, result: null });
      return;
    }
    const client = this.client;
    if (!client) { this.post({ type: 'response', seq: m.seq, error: 'not connected to the Agent Lens receiver yet' }); return; }
    try {
      // The conversations count creep by the user's setting.
      const params = m.method === 'listConversations' || m.method === 'getConversation' ? { ...m.params, creepRatio: this.creepRatio() } : m.params;
      const result = await client.ui(m.method, params as never);
      this.post({ type: 'response', seq: m.seq, result });
    } catch (e) {
      this.post({ type: 'response', seq: m.seq, error: (e as Error).message });
    }
  }

  dispose(): void {
    this.panel?.dispose();
    this.scope?.dispose();
  }
}
