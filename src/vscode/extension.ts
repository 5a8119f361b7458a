// The extension's entry: a list of the features, each a function of the extension's context
// (ctx.ts: lifetime, settings, log, connection, runs, run tabs) in a file of its own. The extension
// joins or starts the trace server and meets it only over its API; it never decodes OTLP or holds
// the store.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Ctx } from './ctx';
import { registerCapture } from './capture';
import { registerRunsView } from './runsView';
import { registerReceiverLink } from './receiverLink';
import { registerReceiverCommands } from './receiverCommands';
import { CallSites } from './callSites';
import { disposeDefinitionCache, pathMappings } from './openSource';
import { registerReplayCall } from './replayCall';
import { registerRerun } from './rerunRun';
import { registerLmTools } from './lmTools';
import { registerReplayDebugger } from './debug/register';
import { registerTextDiff } from './textDiff';
import type { Connection } from './connection';
import type { RunsTree } from './runsTree';
import type { RunTabs } from './runTabs';
import type { CapturePlan } from '../captureEnv';
import type { Settings } from './settings';

/** What the extension exposes to its tests (and to other extensions). */
export interface AgentLensApi {
  connection: Connection;
  runs: RunsTree;
  /** The Runs view (its selection follows the run tab in front). */
  runsView: vscode.TreeView<unknown>;
  panel: RunTabs;
  capturePlan(): CapturePlan;
  settings(): Settings;
}

export async function activate(context: vscode.ExtensionContext): Promise<AgentLensApi> {
  const log = vscode.window.createOutputChannel('Agent Lens', { log: true });
  context.subscriptions.push(log);
  try {
    return activateFeatures(new Ctx(context, log));
  } catch (e) {
    // Said to the person, logged, and rethrown (the editor marks the activation failed).
    log.error(`activation failed: ${(e as Error).stack ?? e}`);
    void vscode.window.showErrorMessage(`Agent Lens could not start: ${(e as Error).message}. See the "Agent Lens" output for details.`);
    throw e;
  }
}

function activateFeatures(ctx: Ctx): AgentLensApi {
  ctx.life.register({ dispose: disposeDefinitionCache });
  // Terminals and debug sessions of this window send their runs here.
  const capture = registerCapture(ctx);
  // The Runs view, the status bar, and the commands on runs.
  const runsView = registerRunsView(ctx);
  // Cost and call lenses over the code that made the model calls, tools and agents.
  const sites = ctx.life.register(new CallSites({
    enabled: () => ctx.settings['codeLens.enabled'], windowMinutes: () => ctx.settings['codeLens.windowMinutes'], creep: () => ctx.creep(), log: (m) => ctx.log.info(m), mappings: pathMappings,
  }));
  ctx.life.register(vscode.languages.registerCodeLensProvider({ scheme: 'file' }, sites));
  ctx.life.register(vscode.languages.registerHoverProvider({ scheme: 'file' }, sites));
  // Two texts of a run side by side in the editor's diff view.
  registerTextDiff(ctx.life);
  // A recorded run stepped through in the editor's debugger.
  registerReplayDebugger({ life: ctx.life, client: () => ctx.connection.client, runs: () => ctx.runs.all, panel: ctx.panel, log: (m) => ctx.log.info(m) });
  registerReplayCall(ctx.life, ctx.ext.globalStorageUri.fsPath, () => ctx.connection.client, ctx.ext.secrets);
  // The runs for the editor's AI: language-model tools, and the MCP server offered to the editor.
  registerLmTools(ctx.life, () => ctx.connection.client, ctx.ext.asAbsolutePath(path.join('dist', 'cli.js')), (m) => ctx.log.info(m), (cb) => ctx.connection.onState(() => cb()));
  // The app started again with the recorded answers before a step, and the runs compared.
  registerRerun(ctx.life, ctx.ext.globalStorageUri.fsPath, () => ctx.connection.client, ctx.panel, () => capture.plan());
  // Each connection's live feed into all of the above; what its state and the settings' changes need.
  registerReceiverLink(ctx, { capture, sites, runsView });
  // The receiver's endpoint, restart, browser UI, the sample agent, app set-up, file import.
  registerReceiverCommands(ctx);

  void ctx.connection.start();
  return { connection: ctx.connection, runs: ctx.runs, runsView: runsView.view, panel: ctx.panel, capturePlan: () => capture.plan(), settings: () => ctx.settings };
}

export function deactivate(): void {
  // The receiver is left running: other windows and terminals may use it, and a reloaded window joins it again.
}
