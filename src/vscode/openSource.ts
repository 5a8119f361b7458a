// Go to source: a code location from telemetry opened in the editor beside the run view, the call
// selected. The path may come from another machine or a container: an absolute path that exists
// here is used as it is, otherwise the workspace file it stands for (src/source/pathMap.ts).
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mapPath } from '../source/pathMap';

export interface SourceArg { path: string; line: number; column?: number }

/** The workspace file a reported path stands for, if any. */
export async function resolveSource(reported: string): Promise<vscode.Uri | undefined> {
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
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, selection, preview: true });
  return true;
}
