// What one connection to the receiver owns: its live feed into the Runs view, the run tabs and the
// cost lenses; what each state of the connection says (above the runs, in the status bar, as a
// question when the port is taken); and the notice for runs that keep arriving late.
import * as vscode from 'vscode';
import { effectOf, portInUseText, SETTINGS, type SettingKey } from './settings';
import { LateRuns, type LateNotice } from './lateRuns';
import { SHORT_DELAY_ANY, guideForSdkLanguage } from './setupGuide';
import { Scope } from './disposables';
import type { ConnectionState } from './connection';
import type { ServerClient } from './client';
import type { CallSites } from './callSites';
import type { Capture } from './capture';
import type { RunsView } from './runsView';
import type { Ctx } from './ctx';
import { historyProgress } from '../format';

export function registerReceiverLink(ctx: Ctx, o: { capture: Capture; sites: CallSites; runsView: RunsView }): void {
  const { life, log, runs, panel, connection } = ctx;
  const { capture, sites, runsView: { view, status, update } } = o;
  let runArrived = false;

  // Runs that keep arriving whole, seconds after they ended: the app's exporter waits; say what to change.
  const late = new LateRuns();
  const tellLate = async (n: LateNotice, c: ServerClient) => {
    let language: string | undefined;
    try {
      const t = await c.ui('getTrace', { traceId: n.traceId });
      const v = t.resources[0]?.attributes.find((a) => a.key === 'telemetry.sdk.language')?.value;
      language = typeof v === 'string' ? v : undefined;
    } catch { /* said without the language */ }
    const guide = guideForSdkLanguage(language);
    const fix = guide?.shortDelay ?? SHORT_DELAY_ANY;
    log.info(`runs of ${n.service} arrive whole, ${(n.lateMs / 1000).toFixed(1)} s after they end (${language ?? 'language unknown'}): ${fix}`);
    const pick = await vscode.window.showInformationMessage(
      `Agent Lens: runs of "${n.service}" arrive ${Math.round(n.lateMs / 1000)} s after they end, in one piece: its exporter waits before sending. ${fix}`, 'Show Set-up', 'Open Run');
    if (pick === 'Show Set-up') void ctx.run('agentLens.connectApp', ...(guide ? [guide.id] : []));
    if (pick === 'Open Run') panel.show(n.traceId);
  };

  const askForPort = async (s: Extract<ConnectionState, { kind: 'port-in-use' }>) => {
    const key: SettingKey = s.port === ctx.settings['server.grpcPort'] ? 'server.grpcPort' : 'server.httpPort';
    const use = s.suggestion ? `Use ${s.suggestion}` : undefined;
    const pick = await vscode.window.showWarningMessage(`Agent Lens: port ${s.port} is taken by another program, so the receiver cannot start there.${s.suggestion ? ` Port ${s.suggestion} is free.` : ''}`,
      ...[use, 'Open Settings'].filter((x): x is string => !!x));
    if (pick && pick === use) {
      await vscode.workspace.getConfiguration('agentLens').update(key, s.suggestion, vscode.ConfigurationTarget.Global);
    } else if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', `agentLens.${key}`);
  };

  // ---- the connection's scope: what one server connection owns ----
  let connScope = new Scope();
  life.defer(() => connScope.dispose());
  life.register({ dispose: connection.onState((s: ConnectionState) => {
    connScope.dispose();
    connScope = new Scope();
    if (s.kind === 'connected') {
      const c = s.client;
      const reload = () => runs.load(c).then(() => { late.know(runs.all.map((r) => r.traceId)); update(); }, (e) => log.warn(`could not list runs: ${(e as Error).message}`));
      connScope.register({ dispose: c.onFeed((m) => {
        // A run new to this window arrived (not one loaded from before): the walkthrough's
        // "See your first run" is checked by this too, also when runs were there when it was first read.
        if (m.type === 'summaries' && !runArrived && m.traces.some((t) => !runs.has(t.traceId))) {
          runArrived = true;
          ctx.setContext('agentLens.runArrived', true);
        }
        if (m.type === 'summaries' && ctx.settings['capture.noticeLateRuns']) {
          const n = late.onSummaries(m.traces, Date.now());
          if (n) void tellLate(n, c);
        }
        runs.onFeed(m);
        panel.onFeed(m);
        if (m.type === 'summaries' || m.type === 'removed') update();
        if (m.type === 'summaries' || m.type === 'removed' || m.type === 'resync' || m.type === 'history') sites.refresh();
        // Live updates were left out: the list is loaded again (the webview reloads its own view).
        if (m.type === 'resync') { log.info(`live feed: ${m.reason}; reloading the runs`); void reload(); }
        if (m.type === 'history') {
          const said = historyProgress(m);
          view.message = m.loading ? `${said[0]!.toUpperCase()}${said.slice(1)}: runs from before the receiver restarted appear when it is done. New runs show now.` : undefined;
          status.history(m.loading ? said : undefined);
          if (!m.loading) { log.info(`history loaded: ${m.spans} spans in ${m.ms} ms`); void reload(); }
        }
      }) });
      void reload();
      panel.setClient(c, 'connected');
      sites.setClient(c);
      view.message = undefined;
      ctx.setContext('agentLens.connected', true);
    } else {
      panel.setClient(undefined, s.kind === 'connecting' ? 'connecting' : 'disconnected', s.kind === 'connecting' ? s.detail : s.message);
      sites.setClient(undefined);
      ctx.setContext('agentLens.connected', false);
      // Said above the runs (which stay as they were) until the receiver is back.
      view.message = s.kind === 'connecting' ? `Agent Lens: ${s.detail}…`
        : s.kind === 'port-in-use' ? `Agent Lens: ${portInUseText(s.port, s.suggestion, s.port === ctx.settings['server.grpcPort'] ? 'server.grpcPort' : 'server.httpPort')}`
        : `Agent Lens: ${s.message}`;
    }
    capture.apply();
    update();
    if (s.kind === 'port-in-use') void askForPort(s);
    if (s.kind === 'failed') void vscode.window.showErrorMessage(`Agent Lens: ${s.message}`, 'Show Log', 'Retry').then((a) => {
      if (a === 'Show Log') log.show();
      if (a === 'Retry') void connection.restart();
    });
  }) });

  // A change of settings: what it needs (a restart of the receiver, a new capture environment, new lenses).
  life.register(vscode.workspace.onDidChangeConfiguration((e) => {
    const keys = (Object.keys(SETTINGS) as SettingKey[]).filter((k) => e.affectsConfiguration(`agentLens.${k}`));
    if (!keys.length) return;
    ctx.reloadSettings();
    const effect = effectOf(keys);
    log.info(`settings changed (${keys.join(', ')}): ${effect === 'restart' ? 'restarting the receiver' : effect === 'environment' ? 'updating the capture environment' : 'nothing to do'}`);
    if (keys.some((k) => k.startsWith('codeLens.') || k === 'source.pathMappings')) sites.refresh(0);
    if (effect === 'restart') void connection.restart();
    else if (effect === 'environment') capture.apply();
  }));
}
