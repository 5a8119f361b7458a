// What if, in the editor (issue 26): "Agent Lens: Replay Model Call…" opens a recorded model call
// as the request its provider received (GET …/spans/{id}/request), in a JSON document with its
// provider's schema (package.json's jsonValidation, by the file's name) and what a provider would
// reject marked at its place as it is edited; "Send" (the editor's title bar) posts it to
// /api/replay, then opens the new run and a diff of the two answers. Keys are the trace server's
// (its environment); nothing here sees them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findNodeAtLocation, parseTree, type JSONPath } from 'jsonc-parser';
import type { ServerClient } from './client';
import type { Scope } from './disposables';
import { registerCommand, runCommand, setContext } from './commandHost';
import { debuggerStep } from './rerunRun';
import { checkRequest, type ModelRequestResponse, type ReplayResponse, type RequestFormat, type SpanDetailResponse } from '../protocol';

/** The document's name ends in its format's: package.json maps each to its schema. */
export const FORMAT_FILE: Record<RequestFormat, string> = {
  'openai.chat': 'openai-chat.json', 'openai.responses': 'openai-responses.json', 'anthropic.messages': 'anthropic-messages.json',
};

interface ReplayDoc { traceId: string; spanId: string; format: RequestFormat; baseUrl: string; path: string; missing: string[] }

/** `messages[2].tool_calls[0].function.arguments` → ['messages', 2, 'tool_calls', 0, 'function', 'arguments']. */
export function jsonPath(at: string): JSONPath {
  const out: JSONPath = [];
  for (const m of at.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/** Where the editor keeps a provider's key (SecretStorage): never in settings, runs or logs. */
export const KEY_SECRET: Record<'openai' | 'anthropic', string> = { openai: 'agentLens.apiKey.openai', anthropic: 'agentLens.apiKey.anthropic' };
const PROVIDER_API: Record<'openai' | 'anthropic', string> = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com/v1' };
const vendorOf = (format: RequestFormat): 'openai' | 'anthropic' => (format === 'anthropic.messages' ? 'anthropic' : 'openai');

export function registerReplayCall(life: Scope, storage: string, client: () => ServerClient | undefined, secrets: vscode.SecretStorage): void {
  registerCommand(life, 'agentLens.setProviderKey', async (provider, key) => {
    const which = provider === 'openai' || provider === 'anthropic' ? provider : (await vscode.window.showQuickPick([
      { label: 'OpenAI', id: 'openai' as const }, { label: 'Anthropic', id: 'anthropic' as const }], { title: 'The key of which provider?' }))?.id;
    if (!which) return false;
    const value = typeof key === 'string' ? key : await vscode.window.showInputBox({ title: `${which === 'openai' ? 'OpenAI' : 'Anthropic'} API key`, prompt: 'Kept in VS Code\'s secret storage; sent only with a replayed call, to the endpoint it goes to. Empty: forget it.', password: true, ignoreFocusOut: true });
    if (value === undefined) return false;
    if (value) await secrets.store(KEY_SECRET[which], value); else await secrets.delete(KEY_SECRET[which]);
    return true;
  });

  const docs = new Map<string, ReplayDoc>();
  const diagnostics = life.register(vscode.languages.createDiagnosticCollection('agent-lens-replay'));
  const check = (doc: vscode.TextDocument) => {
    const r = docs.get(doc.uri.toString());
    if (!r) return;
    const text = doc.getText();
    const tree = parseTree(text);
    const out: vscode.Diagnostic[] = [];
    let body: unknown;
    try { body = JSON.parse(text); } catch (e) {
      out.push(new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), `Not JSON: ${(e as Error).message}`, vscode.DiagnosticSeverity.Error));
    }
    if (body !== undefined) {
      for (const p of checkRequest(r.format, body)) {
        const node = tree && p.at ? findNodeAtLocation(tree, jsonPath(p.at)) : undefined;
        const range = node ? new vscode.Range(doc.positionAt(node.offset), doc.positionAt(node.offset + node.length)) : new vscode.Range(0, 0, 0, 1);
        const d = new vscode.Diagnostic(range, p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
        d.source = 'Agent Lens';
        out.push(d);
      }
    }
    for (const m of r.missing) {
      const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), `The recording does not have ${m}`, vscode.DiagnosticSeverity.Information);
      d.source = 'Agent Lens';
      out.push(d);
    }
    diagnostics.set(doc.uri, out);
  };
  life.register(vscode.workspace.onDidChangeTextDocument((e) => check(e.document)));
  life.register(vscode.workspace.onDidCloseTextDocument((doc) => { docs.delete(doc.uri.toString()); diagnostics.delete(doc.uri); }));
  let shown = false;
  const setKey = (ed: vscode.TextEditor | undefined) => {
    const now = !!ed && docs.has(ed.document.uri.toString());
    if (now !== shown) { shown = now; setContext('agentLens.replayDoc', now); }
  };
  life.register(vscode.window.onDidChangeActiveTextEditor(setKey));

  registerCommand(life, 'agentLens.replayModelCall', async (traceId, spanId) => {
    // (From the debugger: the step the replay is at.)
    if (typeof traceId !== 'string') ({ traceId, spanId } = await debuggerStep() ?? {});
    const c = client();
    if (!c) { void vscode.window.showErrorMessage('Agent Lens: the receiver is not connected yet; try again in a moment.'); return undefined; }
    if (typeof traceId !== 'string' || typeof spanId !== 'string') {
      void vscode.window.showInformationMessage('Agent Lens: open a run and choose "Replay…" on one of its model calls (or pass a trace id and a span id).');
      return undefined;
    }
    try {
      const { request, estimate } = await c.request<ModelRequestResponse>('GET', `/api/traces/${traceId}/spans/${spanId}/request`);
      const dir = path.join(storage, 'replays');
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${spanId}.${FORMAT_FILE[request.format]}`);
      const text = `${JSON.stringify(request.body, null, 2)}\n`;
      fs.writeFileSync(file, text);
      const uri = vscode.Uri.file(file);
      docs.set(uri.toString(), { traceId, spanId, format: request.format, baseUrl: request.baseUrl, path: request.path, missing: request.missing });
      const doc = await vscode.workspace.openTextDocument(uri);
      const ed = await vscode.window.showTextDocument(doc, { preview: false });
      check(doc);
      setKey(ed);
      const cost = estimate.usd === null ? 'no price known for this model' : `about $${estimate.usd.toFixed(estimate.usd < 0.01 ? 5 : 3)}`;
      void vscode.window.setStatusBarMessage(`Agent Lens: edit the request, then Send (the editor's title bar) to ${request.baseUrl}: ${cost} (${estimate.inputTokens} tokens in, ${estimate.outputTokens} out, ${estimate.basis})`, 15000);
      return doc;
    } catch (e) {
      void vscode.window.showErrorMessage(`Agent Lens: ${(e as Error).message}`);
      return undefined;
    }
  });

  registerCommand(life, 'agentLens.sendReplayTo', async (uriArg) => {
    const doc = uriArg ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === String(uriArg)) : vscode.window.activeTextEditor?.document;
    const r = doc && docs.get(doc.uri.toString());
    if (!doc || !r) { void vscode.window.showInformationMessage('Agent Lens: Send applies to a model call opened with Replay Model Call.'); return undefined; }
    const api = PROVIDER_API[vendorOf(r.format)];
    type Item = vscode.QuickPickItem & { url?: string };
    const items: Item[] = [{ label: r.baseUrl, description: 'where the recording says the call went', url: r.baseUrl }];
    if (api !== r.baseUrl) items.push({ label: api, description: 'the provider\'s API', url: api });
    items.push({ label: 'Another endpoint…', description: 'an OpenAI- or Anthropic-compatible server (a proxy, a local model)' });
    const pick = await vscode.window.showQuickPick(items, { title: 'Send the request to' });
    if (!pick) return undefined;
    const url = pick.url ?? await vscode.window.showInputBox({ title: 'The endpoint\'s base URL', prompt: `The request goes to it + ${r.path}`, value: r.baseUrl,
      validateInput: (v) => (/^https?:\/\/\S+$/.test(v.trim()) ? undefined : 'an http:// or https:// address') });
    if (!url) return undefined;
    return runCommand('agentLens.sendReplay', doc.uri.toString(), url.trim());
  });

  registerCommand(life, 'agentLens.sendReplay', async (uriArg, baseUrl) => {
    const c = client();
    const doc = uriArg ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === String(uriArg)) : vscode.window.activeTextEditor?.document;
    const r = doc && docs.get(doc.uri.toString());
    if (!c || !doc || !r) { void vscode.window.showInformationMessage('Agent Lens: Send applies to a model call opened with Replay Model Call.'); return undefined; }
    let request: unknown;
    try { request = JSON.parse(doc.getText()); } catch (e) { void vscode.window.showErrorMessage(`Agent Lens: the request is not JSON: ${(e as Error).message}`); return undefined; }
    if (checkRequest(r.format, request).some((p) => p.severity === 'error')) {
      void vscode.window.showErrorMessage('Agent Lens: the provider would reject this request: see the Problems view.');
      return undefined;
    }
    try {
      // (The key from the editor's secret storage, when one was set: it goes with this request only.)
      const apiKey = await secrets.get(KEY_SECRET[vendorOf(r.format)]);
      const to = typeof baseUrl === 'string' && baseUrl ? baseUrl : r.baseUrl;
      const out = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Agent Lens: sending to ${to}…` },
        () => c.request<ReplayResponse>('POST', '/api/replay', new TextEncoder().encode(JSON.stringify({ traceId: r.traceId, spanId: r.spanId, request, ...(to !== r.baseUrl ? { baseUrl: to } : {}), ...(apiKey ? { apiKey } : {}) })) as Uint8Array<ArrayBuffer>, 'application/json'));
      // The two answers side by side: the recorded one and the new one.
      const before = await c.request<SpanDetailResponse>('GET', `/api/traces/${r.traceId}/spans/${r.spanId}`);
      await runCommand('agentLens.compareRuns', r.traceId, out.traceId);
      await runCommand('agentLens.openTextDiff', `Answer: recorded ↔ replayed (${out.model})`, answerText(before.span.genai?.outputMessages), answerText([{ role: 'assistant', parts: [
        ...(out.output.text ? [{ type: 'text', content: out.output.text }] : []),
        ...out.output.toolCalls.map((t) => ({ type: 'tool_call', name: t.name, arguments: t.arguments })),
      ] }]));
      const cost = out.costUsd === null ? 'no price known' : `$${out.costUsd.toFixed(5)}`;
      void vscode.window.setStatusBarMessage(`Agent Lens: replayed: ${out.usage.input + out.usage.cacheRead} tokens in, ${out.usage.output} out, ${cost}`, 15000);
      return out;
    } catch (e) {
      void vscode.window.showErrorMessage(`Agent Lens: ${(e as Error).message}`);
      return undefined;
    }
  });
}

/** An answer as text a person compares: its words, then each tool call with its arguments. */
export function answerText(messages: readonly { role?: string; parts: readonly { type: string; [k: string]: unknown }[] }[] | undefined): string {
  const lines: string[] = [];
  for (const m of messages ?? []) for (const p of m.parts) {
    if (p.type === 'text') lines.push(String(p.content ?? ''));
    else if (p.type === 'tool_call') lines.push(`→ ${String(p.name)}(${typeof p.arguments === 'string' ? p.arguments : JSON.stringify(p.arguments)})`);
  }
  return `${lines.join('\n')}\n`;
}
