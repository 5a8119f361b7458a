// Commands about the receiver and getting runs into it: its endpoint, a restart, the browser UI,
// the sample agent, the set-up for an app outside the editor, and importing OTLP files.
import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import { SETUP_GUIDES } from './setupGuide';
import type { Ctx } from './ctx';
import { cmpNanos } from '../time';

export function registerReceiverCommands(ctx: Ctx): void {
  const { connection, runs, panel, log } = ctx;
  ctx.command('agentLens.copyEndpoint', async () => {
    const c = connection.client;
    if (!c) return void vscode.window.showWarningMessage('Agent Lens: the receiver is not running yet.');
    await vscode.env.clipboard.writeText(c.endpoint);
    void vscode.window.showInformationMessage(`Copied ${c.endpoint}. Set OTEL_EXPORTER_OTLP_ENDPOINT to it (and OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf) in your app's environment.`);
  });
  ctx.command('agentLens.restartReceiver', () => connection.restart());
  // The browser UI, at the address that carries the token (in a remote window, forwarded to this machine).
  ctx.command('agentLens.openInBrowser', async () => {
    const c = connection.client;
    if (!c) return void vscode.window.showWarningMessage('Agent Lens: the receiver is not running yet.');
    const url = vscode.Uri.parse(`${c.endpoint}/?token=${encodeURIComponent(c.state.token)}`);
    let external = await vscode.env.asExternalUri(url);
    // Some hosts (code-server's port proxy) give the forwarded address without the query: the token goes back on.
    if (!external.query) external = external.with({ query: url.query, path: external.path.endsWith('/') ? external.path : `${external.path}/` });
    await vscode.env.openExternal(external);
    return external.toString(true);
  });
  // The sample agent (the demo, shipped in the .vsix) in a terminal of this window: the terminal
  // gets the capture environment like any other. The extension host's own runtime runs it.
  ctx.command('agentLens.runSample', () => {
    if (!connection.client) return void vscode.window.showWarningMessage('Agent Lens: the receiver is not running yet; try again in a moment.');
    const term = vscode.window.createTerminal({ name: 'Agent Lens: sample agent', shellPath: process.execPath,
      // --wait: the terminal stays open with what the sample said until a key is pressed.
      shellArgs: ['--enable-source-maps', ctx.extPath('dist', 'demo.js'), '--wait'], env: { ELECTRON_RUN_AS_NODE: '1' }, iconPath: new vscode.ThemeIcon('play') });
    term.show(true);
    return term;
  });
  // The SDK set-up for an app outside the editor, per language, with this window's endpoint, as a document to copy from.
  ctx.command('agentLens.connectApp', async (given) => {
    const guide = SETUP_GUIDES.find((g) => g.id === given) ?? (await vscode.window.showQuickPick(
      SETUP_GUIDES.map((g) => ({ label: g.label, guide: g })), { placeHolder: 'Your app\'s language: the OpenTelemetry set-up that sends its runs here' }))?.guide;
    if (!guide) return undefined;
    const endpoint = connection.client?.endpoint ?? `http://127.0.0.1:${ctx.settings['server.httpPort']}`;
    const doc = await vscode.workspace.openTextDocument({ language: guide.language, content: guide.text(endpoint) });
    await vscode.window.showTextDocument(doc, { preview: true });
    return doc;
  });
  // Files may be given (other extensions, tests); otherwise the user picks them.
  ctx.command('agentLens.importFile', async (given) => {
    const files = Array.isArray(given) && given.every((f) => f instanceof vscode.Uri) ? given as vscode.Uri[]
      : await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Import', filters: { 'OTLP files': ['json', 'jsonl', 'pb', 'bin', 'gz'], 'All files': ['*'] } });
    if (!files?.length) return undefined;
    const before = new Set(runs.all.map((r) => r.traceId));
    return new Promise<string>((resolve) => {
      execFile(process.execPath, [ctx.extPath('dist', 'cli.js'), 'import', ...files.map((f) => f.fsPath)], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } }, (err, stdout, stderr) => {
        const said = stdout.trim();
        const nothing = !err && /^imported 0 spans and 0 log records/.test(said);
        if (err || nothing) {
          log.error(`import of ${files.map((f) => f.fsPath).join(', ')} failed: ${(err ? stderr || err.message : said).trim()}`);
          void vscode.window.showErrorMessage(`Agent Lens: import failed: ${(err ? stderr || err.message : 'the files held no spans or log records').trim()}`);
          resolve(`error: ${(err ? stderr || err.message : said).trim()}`);
          return;
        }
        log.info(said);
        // The runs it brought: those the tree did not have before.
        setTimeout(() => {
          const added = runs.all.filter((r) => !before.has(r.traceId)).sort((a, b) => cmpNanos(b.startTimeUnixNano, a.startTimeUnixNano));
          void vscode.window.showInformationMessage(`Agent Lens: ${said}`, ...(added.length ? ['Open Run'] : []))
            .then((pick) => { if (pick === 'Open Run') panel.show(added[0]!.traceId); });
        }, 500);
        resolve(said);
      });
    });
  });
}
