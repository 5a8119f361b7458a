// The status bar item: the receiver's state, its ports and how many runs are live; a click shows the runs.
import * as vscode from 'vscode';
import type { ConnectionState } from './connection';

export class StatusBar {
  private readonly item = vscode.window.createStatusBarItem('agentLens.status', vscode.StatusBarAlignment.Left, 20);

  constructor() {
    this.item.name = 'Agent Lens';
    this.item.command = 'agentLens.showRuns';
    this.item.show();
  }

  private last: [ConnectionState, number, number] | undefined;
  private loading: string | undefined;

  /** The receiver is loading its history ("loading history 40 %"), or done (undefined). */
  history(progress: string | undefined): void {
    this.loading = progress;
    if (this.last) this.update(...this.last);
  }

  update(s: ConnectionState, live: number, total: number): void {
    this.last = [s, live, total];
    const it = this.item;
    it.backgroundColor = undefined;
    if (s.kind === 'connected') {
      const st = s.client.state;
      it.text = `$(radio-tower) Agent Lens :${st.httpPort}${live ? ` · ${live} live` : ''}${this.loading ? ` · ${this.loading}` : ''}`;
      it.tooltip = `Agent Lens receiver ${s.owned ? 'started by this window' : 'shared'} (pid ${st.pid})\nOTLP/HTTP ${s.client.endpoint}\nOTLP/gRPC ${st.host}:${st.grpcPort}\n${total} runs, ${live} still running\nClick to show the runs.`;
    } else if (s.kind === 'connecting') {
      it.text = '$(loading~spin) Agent Lens';
      it.tooltip = `Agent Lens: ${s.detail}`;
    } else {
      it.text = '$(warning) Agent Lens';
      it.tooltip = `Agent Lens: ${s.message}`;
      it.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }
  }

  dispose(): void { this.item.dispose(); }
}
