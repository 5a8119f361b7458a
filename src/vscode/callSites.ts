// Inline hints at call sites: a CodeLens above each line of the open file that made model calls,
// ran a tool or an agent in recent runs, and a hover with the details. The figures come from the
// receiver (GET /api/sites, one request per file, kept until runs change); the extension host only
// renders. Nothing is asked or drawn while the setting is off.
import * as vscode from 'vscode';
import type { SiteRollup } from '../protocol';
import type { ServerClient } from './client';
import { mapPath, type PathMapping } from '../source/pathMap';
import { hoverMarkdown, lensTitle } from './siteText';

export interface CallSiteOptions {
  enabled(): boolean;
  /** agentLens.source.pathMappings, filled in. */
  mappings(): PathMapping[];
  /** Recent runs only: this many minutes back. */
  windowMinutes(): number;
  log(msg: string): void;
}

export class CallSites implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private client: ServerClient | undefined;
  private readonly cache = new Map<string, Promise<SiteRollup[]>>();
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
    this.timer = setTimeout(() => { this.cache.clear(); this.changed.fire(); }, delayMs);
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
      p = !client ? Promise.resolve([]) : client.request<{ sites: SiteRollup[] }>('GET', `/api/sites?file=${encodeURIComponent(name)}&since=${since}`)
        .then((r) => r.sites.filter((s) => mapPath(s.path, { files: [file], mappings: this.o.mappings() }) === file.replace(/\\/g, '/') || s.path === file))
        .catch((e: Error) => { this.o.log(`call sites for ${file}: ${e.message}`); return []; });
      this.cache.set(file, p);
    }
    return p;
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!this.o.enabled() || doc.uri.scheme !== 'file') return [];
    return (await this.sites(doc)).filter((s) => s.line <= doc.lineCount).map((s) => {
      const range = doc.lineAt(s.line - 1).range;
      const newest = s.recent[0];
      return new vscode.CodeLens(range, newest
        ? { title: lensTitle(s), command: 'agentLens.openRun', arguments: [newest.traceId], tooltip: 'Open the newest run that went through this line' }
        : { title: lensTitle(s), command: '' });
    });
  }

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    if (!this.o.enabled() || doc.uri.scheme !== 'file') return undefined;
    const site = (await this.sites(doc)).find((s) => s.line - 1 === pos.line);
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
