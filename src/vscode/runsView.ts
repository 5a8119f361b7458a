// The Runs view and what acts on runs: the tree (its selection following the run tab in front,
// its badge of runs still running, its filters), the status bar, and the commands that open, find,
// copy and delete runs.
import * as vscode from 'vscode';
import { StatusBar } from './statusBar';
import { openDefinition, openSource } from './openSource';
import { runPickItems, type RunPickItem } from './runPicker';
import { traceIdOf } from './commands';
import type { Ctx } from './ctx';
import { treeSpans } from '../protocol';
import { runSource } from '../source/locate';
import { runTitle } from '../format';

const TRACE_ID = /^[0-9a-f]{32}$/i;

export interface RunsView {
  view: vscode.TreeView<unknown>;
  status: StatusBar;
  /** Says the connection's state and the runs' counts (status bar, badge, context keys). */
  update(): void;
}

export function registerRunsView(ctx: Ctx): RunsView {
  const { life, runs, panel, connection } = ctx;
  const status = life.register(new StatusBar());
  const view = life.register(vscode.window.createTreeView('agentLens.runs', { treeDataProvider: runs, showCollapseAll: true }));
  // The tree's selection follows the run tab in front.
  life.register(panel.onDidActivateRun((id) => {
    const node = runs.nodeOf(id);
    if (node && view.visible && !(view.selection[0]?.kind === 'run' && view.selection[0].run.traceId === id)) view.reveal(node, { select: true, focus: false }).then(undefined, () => undefined);
  }));

  const liveCount = () => runs.all.filter((r) => r.rootPending).length;
  let hadRuns: boolean | undefined;
  const update = () => {
    status.update(connection.state, liveCount(), runs.size);
    // The walkthrough's "See your first run" is checked by this.
    if (runs.size > 0 !== hadRuns) ctx.setContext('agentLens.hasRuns', (hadRuns = runs.size > 0));
    view.badge = liveCount() ? { value: liveCount(), tooltip: `${liveCount()} runs still running` } : undefined;
  };

  ctx.command('agentLens.showRuns', async () => {
    await vscode.commands.executeCommand('agentLens.runs.focus');
    panel.show();
  });
  // From the tree: a click shows the run in the preview tab, a double-click (two opens) keeps it.
  ctx.command('agentLens.openRun', (arg) => {
    const id = traceIdOf(arg);
    if (id) panel.show(id.toLowerCase());
  });
  ctx.command('agentLens.keepRunOpen', () => panel.keep());
  // A trace id, or a prefix of one; without one, a searchable pick of recent runs. An id that
  // names no run says so and leaves the run view as it is.
  ctx.command('agentLens.openRunById', async (given) => {
    const open = async (raw: string): Promise<boolean> => {
      const v = raw.trim().toLowerCase();
      // A whole id: the tree may not list every run the receiver has (it shows the newest), so ask it.
      const known = TRACE_ID.test(v) && (runs.has(v)
        || await connection.client?.ui('getSummary', { traceId: v }).then(() => true, () => false));
      if (known) { panel.show(v); return true; }
      const matches = /^[0-9a-f]+$/.test(v) ? runs.all.filter((r) => r.traceId.startsWith(v)) : [];
      if (matches.length === 1) { panel.show(matches[0]!.traceId); return true; }
      void vscode.window.showWarningMessage(matches.length ? `Agent Lens: ${matches.length} runs start with ${v}: type more of the id.` : `Agent Lens: no run ${TRACE_ID.test(v) ? '' : 'starts with '}${v} in the receiver.`);
      return false;
    };
    if (typeof given === 'string') return open(given);
    const qp = vscode.window.createQuickPick<RunPickItem>();
    qp.placeholder = 'Trace id or its first digits, or search recent runs';
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    qp.items = runPickItems(runs.all);
    return new Promise<boolean>((resolve) => {
      let accepted = false;
      qp.onDidAccept(async () => { accepted = true; const item = qp.selectedItems[0]; qp.hide(); resolve(item ? (panel.show(item.run.traceId), true) : await open(qp.value)); });
      qp.onDidHide(() => { qp.dispose(); if (!accepted) resolve(false); });
      qp.show();
    });
  });
  // Filters of the Runs view (its title bar): text, failed runs only; the view's description says what is on.
  const filterSaid = () => {
    const f = runs.filter;
    view.description = [f.text ? `"${f.text}"` : '', f.errorsOnly ? 'failed only' : ''].filter(Boolean).join(' · ') || undefined;
    ctx.setContext('agentLens.runsFiltered', !!(f.text || f.errorsOnly));
  };
  ctx.command('agentLens.filterRuns', async (given) => {
    const text = typeof given === 'string' ? given : await vscode.window.showInputBox({ prompt: 'Show runs whose question, name, service, agent, model or trace id contains', value: runs.filter.text });
    if (text === undefined) return;
    runs.setFilter({ text });
    filterSaid();
  });
  ctx.command('agentLens.toggleFailedRuns', () => { runs.setFilter({ errorsOnly: !runs.filter.errorsOnly }); filterSaid(); });
  ctx.command('agentLens.clearRunFilter', () => { runs.setFilter({ text: '', errorsOnly: false }); filterSaid(); });
  ctx.command('agentLens.openSource', (at) => openSource(at!));
  ctx.command('agentLens.openDefinition', (of) => openDefinition(of!));
  // A run's "go to source" (the Runs tree): where the run starts in the code.
  ctx.command('agentLens.goToRunSource', async (arg) => {
    const id = traceIdOf(arg);
    const c = connection.client;
    if (!id || !c) return false;
    try {
      const loc = runSource(treeSpans(await c.ui('getTree', { traceId: id })));
      if (loc) return await openSource({ path: loc.path, line: loc.line, ...(loc.column ? { column: loc.column } : {}) });
      void vscode.window.showInformationMessage('Agent Lens: this run recorded no source location. Run the app from a VS Code terminal or debug session (the call-site helper records where each model call was made), or set code.file.path and code.line.number on its spans.');
    } catch (e) { void vscode.window.showErrorMessage(`Agent Lens: ${(e as Error).message}`); }
    return false;
  });
  ctx.command('agentLens.copyTraceId', async (arg) => {
    const id = traceIdOf(arg);
    if (id) { await vscode.env.clipboard.writeText(id); void vscode.window.setStatusBarMessage(`Copied trace id ${id}`, 3000); }
  });
  // Asks first (a run cannot be brought back).
  ctx.command('agentLens.deleteRun', async (arg, confirmed) => {
    const id = traceIdOf(arg);
    const c = connection.client;
    if (!id || !c) return;
    if (confirmed !== 'confirmed') {
      const r = runs.get(id);
      const name = r ? runTitle(r) : id;
      const ok = await vscode.window.showWarningMessage(`Delete the run "${name}" from the Agent Lens receiver? It cannot be brought back.`, { modal: true }, 'Delete');
      if (ok !== 'Delete') return;
    }
    try { await c.ui('deleteTrace', { traceId: id }); } catch (e) { void vscode.window.showErrorMessage(`Agent Lens: could not delete the run: ${(e as Error).message}`); }
  });
  ctx.command('agentLens.clearRuns', async () => {
    const c = connection.client;
    if (!c) return void vscode.window.showWarningMessage('Agent Lens: the receiver is not connected.');
    const ok = await vscode.window.showWarningMessage(`Delete all ${runs.size} runs from the Agent Lens receiver?`, { modal: true }, 'Delete All');
    if (ok === 'Delete All') await c.ui('clearTraces', {});
  });
  return { view: view as vscode.TreeView<unknown>, status, update };
}
