// Two texts from the run view (a prompt as two runs sent it) in the editor's own diff view: read-only
// documents served from memory under the agentlens-diff scheme.
import * as vscode from 'vscode';
import type { Scope } from './disposables';
import { registerCommand } from './commandHost';

export const DIFF_SCHEME = 'agentlens-diff';

export function registerTextDiff(life: Scope): void {
  const texts = new Map<string, string>();
  let n = 0;
  life.register(vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, { provideTextDocumentContent: (uri) => texts.get(uri.path) ?? '' }));
  registerCommand(life, 'agentLens.openTextDiff', async (title, left, right) => {
    if (typeof title !== 'string' || typeof left !== 'string' || typeof right !== 'string') return false;
    const id = ++n;
    // Kept for the window's life: a few prompts, reopened from the editor's history.
    const name = title.replace(/[\\/:*?"<>|]/g, '_').slice(0, 80);
    const a = `/${id}/A ${name}.md`, b = `/${id}/B ${name}.md`;
    texts.set(a, left);
    texts.set(b, right);
    await vscode.commands.executeCommand('vscode.diff', vscode.Uri.from({ scheme: DIFF_SCHEME, path: a }), vscode.Uri.from({ scheme: DIFF_SCHEME, path: b }), title, { preview: true });
    return true;
  });
}
