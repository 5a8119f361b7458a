// Inline hints at call sites: a CodeLens above each line of the open file that made model calls,
// ran a tool or an agent in recent runs, and above each tool's and agent's definition (found by
// name in the file: `@tool def name`, `name: tool({…})`, `Agent(name="…")`), and a hover with the details. The figures come from the
// receiver (GET /api/sites, one request per file, kept until runs change); the extension host only
// renders. Nothing is asked or drawn while the setting is off.
import * as vscode from 'vscode';
import type { CreepRule, SiteRollup } from '../protocol';
import type { ServerClient } from './client';
import { mapPath, type PathMapping } from '../source/pathMap';
import { hoverMarkdown, lensTitle } from './siteText';
import { findDefinitions } from '../source/definitions';

export interface CallSiteOptions {
  enabled(): boolean;
  /** agentLens.source.pathMappings, filled in. */
  mappings(): PathMapping[];
  /** Recent runs only: this many minutes back. */
  windowMinutes(): number;
  /** agentLens.insights.creepRatio and .creepSteadyRatio. */
  creep(): CreepRule;
  log(msg: string): void;
}

export class CallSites implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private client: ServerClient | undefined;
  private readonly cache = new Map<string, Promise<SiteRollup[]>>();
  /** Per tool and agent name (GET /api/sites?by=name), asked once until runs change. */
  private named: Promise<SiteRollup[]> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: CallSiteOptions) {}

  setClient(c: ServerClient | undefined): void {
    this.client = c;
    this.refresh(0);
  }

  /** Runs changed: ask again, once things settle. */
  refresh(delayMs = 1000): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.cache.clear(); this.named = undefined; this.changed.fire(); }, delayMs);
  }

  /** The sites of this file: those whose reported path stands for it. */
  private sites(doc: vscode.TextDocument): Promise<SiteRollup[]> {
    const file = doc.uri.fsPath;
    let p = this.cache.get(file);
    if (!p) {
      const client = this.client;
      const since = Date.now() - this.o.windowMinutes() * 60_000;
      // Asked by file name (a mapped path shares no tail with this one); the mapping decides below.
      const name = file.split(/[/\\]/).pop()!;
      const rule = this.o.creep();
      p = !client ? Promise.resolve([]) : client.ui('getSites', { file: name, since, creepRatio: rule.ratio, creepSteadyRatio: rule.steadyRatio })
        .then((r) => r.sites.filter((s) => mapPath(s.path, { files: [file], mappings: this.o.mappings() }) === file.replace(/\\/g, '/') || s.path === file))
        .catch((e: Error) => { this.o.log(`call sites for ${file}: ${e.message}`); return []; });
      this.cache.set(file, p);
    }
    return p;
  }

  /** Tools and agents that ran recently and are defined in this file, at their definition's line. */
  private async definitions(doc: vscode.TextDocument): Promise<SiteRollup[]> {
    const client = this.client;
    if (!client) return [];
    if (!this.named) {
      const since = Date.now() - this.o.windowMinutes() * 60_000;
      this.named = client.ui('getSites', { by: 'name', since }).then((r) => r.sites)
        .catch((e: Error) => { this.o.log(`tool and agent rollups: ${e.message}`); return []; });
    }
    const named = await this.named;
    if (!named.length) return [];
    const text = doc.getText();
    const out: SiteRollup[] = [];
    for (const r of named) {
      // The name must be in the text at all before any pattern is tried.
      if (!r.name || !text.includes(r.name)) continue;
      const def = findDefinitions(r.kind as 'tool' | 'agent', r.name, [[doc.uri.fsPath, text]])[0];
      if (def) out.push({ ...r, path: doc.uri.fsPath, line: def.line });
    }
    return out;
  }

  /** Call sites first; a definition on a line that already has a call site adds nothing. */
  private async all(doc: vscode.TextDocument): Promise<SiteRollup[]> {
    const [sites, defs] = await Promise.all([this.sites(doc), this.definitions(doc)]);
    const lines = new Set(sites.map((s) => s.line));
    return [...sites, ...defs.filter((d) => !lines.has(d.line))];
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!this.o.enabled() || doc.uri.scheme !== 'file') return [];
    return (await this.all(doc)).filter((s) => s.line <= doc.lineCount).map((s) => {
      const range = doc.lineAt(s.line - 1).range;
      const newest = s.recent[0];
      return new vscode.CodeLens(range, newest
        ? { title: lensTitle(s), command: 'agentLens.openRun', arguments: [newest.traceId], tooltip: 'Open the newest run that went through this line' }
        : { title: lensTitle(s), command: '' });
    });
  }

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    if (!this.o.enabled() || doc.uri.scheme !== 'file') return undefined;
    const site = (await this.all(doc)).find((s) => s.line - 1 === pos.line);
    if (!site) return undefined;
    const md = new vscode.MarkdownString(hoverMarkdown(site, (id) => `command:agentLens.openRun?${encodeURIComponent(JSON.stringify([id]))}`), true);
    md.isTrusted = { enabledCommands: ['agentLens.openRun'] };
    return new vscode.Hover(md, doc.lineAt(pos.line).range);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.changed.dispose();
  }
}
