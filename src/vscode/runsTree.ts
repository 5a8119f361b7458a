// The Runs view: newest first, runs of one conversation grouped under it, live from the server's
// summaries. Items open the run view; their context menu copies the trace id or deletes the run.
import * as vscode from 'vscode';
import type { ServerMessage, TraceSummary } from '../protocol';
import type { ServerClient } from './client';
import { fmtClock, fmtDate, fmtMs, fmtTokens, fmtUsd, runRecovered as isRecovered, runTitle } from '../format';
import { placeRuns, type RunNode, type TreeNode as Node } from './runOrder';

export class RunsTree implements vscode.TreeDataProvider<Node> {
  private readonly runs = new Map<string, TraceSummary>();
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** The view's filter: text (title, root name, service, agents, models, trace id) and failed runs only. */
  private filterState: { text: string; errorsOnly: boolean } = { text: '', errorsOnly: false };
  get filter(): { text: string; errorsOnly: boolean } { return { ...this.filterState }; }
  setFilter(f: Partial<{ text: string; errorsOnly: boolean }>): void {
    this.filterState = { ...this.filterState, ...f, text: (f.text ?? this.filterState.text).trim() };
    this.refresh(0);
  }
  private shown(r: TraceSummary): boolean {
    const f = this.filterState;
    if (f.errorsOnly && (!r.errorCount || isRecovered(r))) return false;
    if (!f.text) return true;
    const t = f.text.toLowerCase();
    return [r.title ?? '', r.rootName, r.service, r.traceId, r.conversationId ?? '', ...r.agentNames, ...r.models].some((x) => x.toLowerCase().includes(t));
  }

  get size(): number { return this.runs.size; }
  has(traceId: string): boolean { return this.runs.has(traceId); }
  get(traceId: string): TraceSummary | undefined { return this.runs.get(traceId); }
  get all(): TraceSummary[] { return [...this.runs.values()]; }

  /** Loads the runs the server holds (on every (re)connection). */
  async load(client: ServerClient): Promise<void> {
    const res = await client.listTraces(1000);
    this.runs.clear();
    for (const s of res.traces) this.runs.set(s.traceId, s);
    this.refresh(0);
  }

  onFeed(m: ServerMessage): void {
    if (m.type === 'summaries') {
      // Redrawn only when a row would change: a redraw while a row is clicked can lose the click
      // (VS Code drops the command of a row it is replacing).
      let changed = false;
      for (const s of m.traces) {
        const was = this.runs.get(s.traceId);
        this.runs.set(s.traceId, s);
        if (!was || shownAs(was) !== shownAs(s)) changed = true;
      }
      if (!changed) return;
    } else if (m.type === 'removed') {
      if (m.traceIds === 'all') this.runs.clear(); else for (const id of m.traceIds) this.runs.delete(id);
    } else return;
    this.refresh(150);
  }

  private refresh(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.changed.fire(undefined), delay);
  }

  // The nodes last handed out, by run, with their group: what reveal() and getParent() need.
  private placed = new Map<string, { node: Node; parent?: Node }>();

  getChildren(node?: Node): Node[] {
    if (node?.kind === 'conversation') return node.runs;
    if (node) return node.pieces ?? [];
    const top = placeRuns([...this.runs.values()].filter((r) => this.shown(r)));
    this.placed = new Map();
    const place = (r: RunNode, parent?: Node) => {
      this.placed.set(r.run.traceId, { node: r, ...(parent ? { parent } : {}) });
      for (const p of r.pieces ?? []) place(p, r);
    };
    for (const n of top) {
      if (n.kind === 'run') place(n);
      else for (const r of n.runs) place(r, n);
    }
    return top;
  }

  getParent(node: Node): Node | undefined {
    return node.kind === 'run' ? this.placed.get(node.run.traceId)?.parent : undefined;
  }

  /** The node that shows this run now (for revealing it), if it is shown. */
  nodeOf(traceId: string): Node | undefined {
    if (!this.placed.size) this.getChildren();
    return this.placed.get(traceId)?.node;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'conversation') {
      const item = new vscode.TreeItem(`conversation ${node.id}`, vscode.TreeItemCollapsibleState.Expanded);
      const tokens = node.runs.reduce((a, { run: r }) => a + r.usage.input + r.usage.output, 0);
      item.description = `${node.runs.length} run${node.runs.length === 1 ? '' : 's'} · ${fmtTokens(tokens)} tok`;
      item.iconPath = new vscode.ThemeIcon('comment-discussion');
      item.contextValue = 'conversation';
      item.id = `conv:${node.id}`;
      return item;
    }
    const r = node.run;
    // Told apart by what a person recognizes: the run's first user message (else its root's name) and when it started.
    const item = new vscode.TreeItem(runTitle(r), node.pieces?.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    const recovered = isRecovered(r);
    item.id = r.traceId;
    const orphaned = r.orphanOf ? (node.parent ? 'orphaned step: lost its trace context' : `orphaned: likely from ${this.runs.get(r.orphanOf.traceId)?.title ?? r.orphanOf.name}`) : '';
    item.description = [orphaned, fmtClock(r.startTimeUnixNano), fmtMs(r.durationMs), `${r.spanCount} steps`, `${fmtTokens(r.usage.input)}→${fmtTokens(r.usage.output)} tok`,
      r.costUsd === null ? '' : fmtUsd(r.costUsd), r.errorCount ? `${r.errorCount} error${r.errorCount === 1 ? '' : 's'}${recovered ? ', retried' : ''}` : '',
      r.orphans ? `${r.orphans} orphaned step${r.orphans === 1 ? '' : 's'}` : ''].filter(Boolean).join(' · ');
    // A run whose failed steps were all retried successfully is not a failed run; an orphaned piece shows as one.
    item.iconPath = r.orphanOf ? new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('editorWarning.foreground'))
      : new vscode.ThemeIcon(recovered ? 'warning' : r.errorCount ? 'error' : r.rootPending ? 'loading~spin' : 'pass',
        recovered ? new vscode.ThemeColor('editorWarning.foreground') : r.errorCount ? new vscode.ThemeColor('errorForeground') : undefined);
    // Plain text (a model or user wrote the names): no markdown.
    item.tooltip = [r.title ? `"${r.title}"` : '', node.guessed ? 'still running: shown in the conversation of the service\'s previous run until its root span says which it is' : '',
      r.orphanOf ? `A step that lost its trace context (a tool or model call at the root of a run of its own): it most likely ran in ${r.orphanOf.name} of run ${r.orphanOf.traceId}. Open it to see why, and how to keep the context.` : '',
      r.orphans ? `${r.orphans} orphaned step${r.orphans === 1 ? '' : 's'} most likely ran in this run (shown under it).` : '',
      `${r.rootName || '(root pending)'}${r.agentNames.length ? ` · agents: ${r.agentNames.join(', ')}` : ''}`, `service ${r.service || '(none)'}`,
      `trace ${r.traceId}`, `started ${fmtDate(r.startTimeUnixNano)}`,
      `${r.llmCalls} model calls, ${r.usage.input} input and ${r.usage.output} output tokens${r.costUsd !== null ? `, ${fmtUsd(r.costUsd)}` : ''}`,
      r.models.length ? `models: ${r.models.join(', ')}` : ''].filter(Boolean).join('\n');
    item.contextValue = 'run';
    item.command = { command: 'agentLens.openRun', title: 'Open Run', arguments: [r.traceId] };
    return item;
  }
}

/** What a row shows of a run (its label, description, icon, tooltip and place). */
function shownAs(r: TraceSummary): string {
  return JSON.stringify([r.title, r.rootName, r.service, r.startTimeUnixNano, r.durationMs, r.spanCount, r.errorCount, r.recoveredErrors, r.usage.input, r.usage.output,
    r.costUsd, r.rootPending, r.conversationId, r.agentNames, r.models, r.llmCalls, r.orphanOf, r.orphans]);
}

