// Go to source: a code location from telemetry opened in the editor beside the run view, the call
// selected. The path may come from another machine or a container: an absolute path that exists
// here is used as it is, otherwise the workspace file it stands for (src/source/pathMap.ts).
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mapPath, type PathMapping } from '../source/pathMap';
import { findDefinitions } from '../source/definitions';
import type { SourceLocation } from '../protocol';
import type { DefinitionArg, SourceArg } from './commands';

export type { DefinitionArg, SourceArg };

/** The path mappings of the setting agentLens.source.pathMappings, ${workspaceFolder} filled in. */
export function pathMappings(): PathMapping[] {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  const list = vscode.workspace.getConfiguration('agentLens').get<{ from?: unknown; to?: unknown }[]>('source.pathMappings') ?? [];
  return list.filter((m) => typeof m?.from === 'string' && typeof m?.to === 'string' && m.from && m.to)
    .map((m) => ({ from: m.from as string, to: (m.to as string).replace(/\$\{workspaceFolder\}/g, root) }));
}

/** The workspace file a reported path stands for, if any: a mapping first, then a path that exists here, then the longest shared tail. */
export async function resolveSource(reported: string): Promise<vscode.Uri | undefined> {
  const mappings = pathMappings();
  for (const m of mappings) {
    const mapped = mapPath(reported, { mappings: [m] });
    if (mapped && fs.existsSync(mapped)) return vscode.Uri.file(mapped);
  }
  if (path.isAbsolute(reported) && fs.existsSync(reported)) return vscode.Uri.file(reported);
  const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const name = reported.split(/[/\\]/).pop();
  if (!name) return undefined;
  // Only files of that name are candidates; the longest shared tail decides among them.
  const files = (await vscode.workspace.findFiles(`**/${name}`, '**/node_modules/**', 500)).map((u) => u.fsPath);
  const mapped = mapPath(reported, { files, roots });
  return mapped ? vscode.Uri.file(mapped) : undefined;
}

/** Opens the location beside the active editor group and selects the line from the call on; false when it is not in the workspace. */
export async function openSource(arg: SourceArg): Promise<boolean> {
  if (!arg || typeof arg.path !== 'string' || !Number.isInteger(arg.line) || arg.line < 1) throw new Error('a source location needs a path and a line (1 or more)');
  const uri = await resolveSource(arg.path);
  if (!uri) {
    void vscode.window.showWarningMessage(`Agent Lens: ${arg.path} (line ${arg.line}) is not in this workspace. Open the folder the app runs from, or map its paths.`);
    return false;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  const line = Math.min(arg.line - 1, doc.lineCount - 1);
  const text = doc.lineAt(line);
  const startCol = arg.column ? Math.min(arg.column - 1, text.range.end.character) : text.firstNonWhitespaceCharacterIndex;
  const selection = new vscode.Range(line, startCol, line, text.range.end.character);
  await vscode.window.showTextDocument(doc, { viewColumn: columnFor(uri), selection, preview: true });
  return true;
}

/**
 * Where a file opens: where it is already shown; else beside the run view (the editor group right
 * of it, made if there is none), so the run stays in sight; without a run view, the active group.
 * Not "Beside" the active group: a click in a webview does not always make its group the active one.
 */
function columnFor(uri: vscode.Uri): vscode.ViewColumn {
  const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  if (shown?.viewColumn) return shown.viewColumn;
  const groups = vscode.window.tabGroups.all;
  const panel = groups.find((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('agentLens.run')));
  if (!panel) return vscode.ViewColumn.Active;
  const other = groups.find((g) => g.viewColumn > panel.viewColumn) ?? groups.find((g) => g !== panel);
  return other?.viewColumn ?? panel.viewColumn + 1;
}

const SOURCE_GLOB = '**/*.{py,ts,tsx,js,jsx,mjs,cjs,java,kt,go,cs,rb,md,txt,prompt,yaml,yml,json,jinja,j2}';
const SKIP_GLOB = '**/{node_modules,.git,dist,out,build,.venv,venv,__pycache__,site-packages,target,bin,obj}/**';

// The workspace's source files, read once and kept until a file is saved, created or deleted
// (a step's detail asks where its tool is defined each time it opens).
let filesCache: Promise<[string, string][]> | undefined;
let watching: vscode.Disposable | undefined;

async function readSourceFiles(): Promise<[string, string][]> {
  const uris = await vscode.workspace.findFiles(SOURCE_GLOB, SKIP_GLOB, 3000);
  const files: [string, string][] = [];
  for (const u of uris) { const text = await readIfSmall(u); if (text !== undefined) files.push([u.fsPath, text]); }
  return files;
}

/** A file's text when it is at most 512 KB (bigger files are not source a person wrote); undefined when unreadable. */
async function readIfSmall(u: vscode.Uri): Promise<string | undefined> {
  try {
    if ((await vscode.workspace.fs.stat(u)).size > 512 * 1024) return undefined;
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(u));
  } catch { return undefined; }
}

function sourceFiles(): Promise<[string, string][]> {
  if (!watching) {
    const forget = () => { filesCache = undefined; };
    const w = vscode.workspace.createFileSystemWatcher(SOURCE_GLOB);
    watching = vscode.Disposable.from(w, w.onDidCreate(forget), w.onDidDelete(forget), w.onDidChange(forget), vscode.workspace.onDidSaveTextDocument(forget));
  }
  return (filesCache ??= readSourceFiles().catch((e) => { filesCache = undefined; throw e; }));
}

/** Stops watching the workspace for the definitions' file cache (on deactivation). */
export function disposeDefinitionCache(): void {
  watching?.dispose();
  watching = undefined;
  filesCache = undefined;
}

/**
 * Where a tool, agent or prompt is defined (files up to 512 KB): the best match, if any. `near`:
 * files the run's steps were made in (paths as the telemetry names them, mapped here), searched
 * first: a run's tools are often defined beside where they are called, and that file may lie
 * outside the workspace (the sample agent's does).
 */
export async function locateDefinition(arg: DefinitionArg, near: readonly string[] = []): Promise<SourceLocation | undefined> {
  if (!arg || !['tool', 'agent', 'prompt'].includes(arg.kind) || typeof arg.name !== 'string' || !arg.name.trim()) throw new Error('a definition needs a kind (tool, agent or prompt) and a name');
  const own: [string, string][] = [];
  for (const reported of near.slice(0, 20)) {
    const uri = await resolveSource(reported).catch(() => undefined);
    if (!uri || own.some(([p]) => p === uri.fsPath)) continue;
    const text = await readIfSmall(uri);
    if (text !== undefined) own.push([uri.fsPath, text]);
  }
  const inOwn = findDefinitions(arg.kind, arg.name, own)[0];
  if (inOwn) return inOwn;
  return findDefinitions(arg.kind, arg.name, (await sourceFiles()).filter(([p]) => !own.some(([q]) => q === p)))[0];
}

/** Finds where a tool, agent or prompt is defined in the workspace and opens the best match. */
export async function openDefinition(arg: DefinitionArg): Promise<boolean> {
  const best = await locateDefinition(arg);
  if (!best) {
    const what = arg.kind === 'prompt' ? 'this prompt\'s text' : `${arg.kind} "${arg.name}"`;
    void vscode.window.showInformationMessage(`Agent Lens: no definition of ${what} found in the workspace's source files.`);
    return false;
  }
  return openSource({ path: best.path, line: best.line, ...(best.column ? { column: best.column } : {}) });
}
