// The extension's entry: joins or starts the trace server, shows runs (tree, status bar, the run
// view in a webview), injects the capture environment into terminals and debug sessions, and
// registers the commands. Thin glue over editor-free modules (connection, discovery, settings,
// captureEnv); it never decodes OTLP or holds the store.
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { Connection, type ConnectionState } from './connection';
import type { ServerClient } from './client';
import { readSettings, effectOf, portInUseText, SETTINGS, type SettingKey, type Settings } from './settings';
import { capturePlan, withCaptureEnv, type CapturePlan } from './captureEnv';
import { disposeDefinitionCache, locateDefinition, openDefinition, openSource, pathMappings, type DefinitionArg, type SourceArg } from './openSource';
import { CallSites } from './callSites';
import { registerReplayDebugger } from './debug/register';
import { registerTextDiff } from './textDiff';
import { RunsTree } from './runsTree';
import { LateRuns, type LateNotice } from './lateRuns';
import { SETUP_GUIDES, SHORT_DELAY_ANY, guideForSdkLanguage } from './setupGuide';
import { RunTabs } from './runTabs';
import { runPickItems, type RunPickItem } from './runPicker';
import { StatusBar } from './statusBar';
import { Scope } from './disposables';
import { treeSpans, type TraceSummary, type UiPrefs } from '../protocol';
import { runSource } from '../source/locate';
import { cmpNanos } from '../time';
import { historyProgress, runTitle } from '../format';

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

const TRACE_ID = /^[0-9a-f]{32}$/i;

export async function activate(context: vscode.ExtensionContext): Promise<AgentLensApi> {
  const log = vscode.window.createOutputChannel('Agent Lens', { log: true });
  context.subscriptions.push(log);
  try {
    return activateInner(context, log);
  } catch (e) {
    // Said to the person, logged, and rethrown (the editor marks the activation failed).
    log.error(`activation failed: ${(e as Error).stack ?? e}`);
    void vscode.window.showErrorMessage(`Agent Lens could not start: ${(e as Error).message}. See the "Agent Lens" output for details.`);
    throw e;
  }
}

function activateInner(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): AgentLensApi {
  const life = new Scope();
  context.subscriptions.push(life);
  life.register({ dispose: disposeDefinitionCache });

  let current = loadSettings(log);
  const pricesFile = (): string | undefined => {
    const overrides = current['prices.overrides'];
    if (!overrides.length) return undefined;
    const dir = context.globalStorageUri.fsPath;
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'prices.json');
    fs.writeFileSync(file, JSON.stringify(overrides, null, 2));
    return file;
  };

  const connection = new Connection({
    node: process.execPath,
    cli: path.join(context.extensionPath, 'dist', 'cli.js'),
    settings: () => current,
    pricesFile,
    log: (l) => log.info(l),
  });
  life.register(connection);

  const runs = new RunsTree();
  // Token creep as the user's settings judge it (the run view's conversations and the call-site lenses).
  const creep = () => ({ ratio: current['insights.creepRatio'], steadyRatio: current['insights.creepSteadyRatio'] });
  const panel = life.register(new RunTabs(context.extensionUri, {
    log: (l) => log.info(l), creep,
    titleOf: (id) => { const r = runs.get(id); return r ? runTitle(r) : undefined; },
    findDefinition: (kind, name, near) => locateDefinition({ kind, name }, near),
    prefs: () => context.globalState.get<UiPrefs>('agentLens.ui.prefs') ?? {},
    setPref: (key, value) => {
      const prefs = { ...(context.globalState.get<UiPrefs>('agentLens.ui.prefs') ?? {}) };
      // Only what the run view sets: a width in pixels, or back to automatic.
      if (value === null || !Number.isFinite(value)) delete prefs[key]; else prefs[key] = Math.round(Math.min(4000, Math.max(0, value)));
      void context.globalState.update('agentLens.ui.prefs', prefs);
    },
  }));
  const sites = life.register(new CallSites({
    enabled: () => current['codeLens.enabled'], windowMinutes: () => current['codeLens.windowMinutes'], creep, log: (m) => log.info(m), mappings: pathMappings,
  }));
  life.register(vscode.languages.registerCodeLensProvider({ scheme: 'file' }, sites));
  life.register(vscode.languages.registerHoverProvider({ scheme: 'file' }, sites));
  const status = life.register(new StatusBar());
  const view = life.register(vscode.window.createTreeView('agentLens.runs', { treeDataProvider: runs, showCollapseAll: true }));
  // The tree's selection follows the run tab in front.
  life.register(panel.onDidActivateRun((id) => {
    const node = runs.nodeOf(id);
    if (node && view.visible && !(view.selection[0]?.kind === 'run' && view.selection[0].run.traceId === id)) view.reveal(node, { select: true, focus: false }).then(undefined, () => undefined);
  }));

  const liveCount = () => runs.all.filter((r: TraceSummary) => r.rootPending).length;
  let hadRuns: boolean | undefined;
  let runArrived = false;
  const updateStatus = () => {
    status.update(connection.state, liveCount(), runs.size);
    // The walkthrough's "See your first run" is checked by this.
    if (runs.size > 0 !== hadRuns) void vscode.commands.executeCommand('setContext', 'agentLens.hasRuns', (hadRuns = runs.size > 0));
    view.badge = liveCount() ? { value: liveCount(), tooltip: `${liveCount()} runs still running` } : undefined;
  };

  // ---- capture environment ----
  let plan: CapturePlan = { env: {}, append: {}, prepend: {}, notes: [] };
  const applyCapture = () => {
    const client = connection.client;
    const coll = context.environmentVariableCollection;
    coll.clear();
    if (!client) return;
    plan = capturePlan(client.endpoint, {
      inject: current['capture.injectEnvironment'], trusted: vscode.workspace.isTrusted,
      batchDelayMs: current['capture.batchDelayMs'], messageContent: current['capture.messageContent'],
      callSites: current['capture.callSites'], nodeHelper: context.asAbsolutePath(path.join('dist', 'capture-node.js')),
      pythonHelperDir: context.asAbsolutePath(path.join('dist', 'capture-python')), pathDelimiter: path.delimiter,
    }, process.env);
    coll.persistent = false;
    coll.description = `Agent Lens: send OpenTelemetry to ${client.endpoint}`;
    for (const [k, v] of Object.entries(plan.env)) coll.replace(k, v);
    for (const [k, v] of Object.entries(plan.append)) coll.append(k, v);
    // Prepended with its separator only when there is something after it: an empty PYTHONPATH
    // entry would put the current directory on the app's sys.path.
    for (const [k, v] of Object.entries(plan.prepend)) if (process.env[k]) coll.prepend(k, v); else coll.replace(k, v.slice(0, -1));
    for (const n of plan.notes) log.info(`capture: ${n}`);
    if (Object.keys(plan.env).length) log.info(`capture: terminals and debug sessions get ${Object.keys(plan.env).join(', ')}`);
  };
  life.register(vscode.debug.registerDebugConfigurationProvider('*', {
    resolveDebugConfiguration(_folder, config) {
      if (config.type === 'agent-lens') return config; // a replay runs no app
      if (Object.keys(plan.env).length || Object.keys(plan.append).length || Object.keys(plan.prepend).length) config.env = withCaptureEnv(config.env as Record<string, string> | undefined, plan, process.env);
      return config;
    },
  }));
  life.register(vscode.workspace.onDidGrantWorkspaceTrust(() => applyCapture()));
  registerTextDiff(life);
  registerReplayDebugger({ life, client: () => connection.client, runs: () => runs.all, panel, log: (m) => log.info(m) });

  // Runs that keep arriving whole, seconds after they ended: the app's exporter waits; say what to change.
  const late = new LateRuns();
  const tellLate = async (n: LateNotice, c: ServerClient) => {
    let language: string | undefined;
    try {
      const t = await c.ui('getTrace', { traceId: n.traceId });
      const v = t.resources[0]?.attributes.find((a) => a.key === 'telemetry.sdk.language')?.value;
      language = typeof v === 'string' ? v : undefined;
    } catch { /* said without the language */ }
    const guide = guideForSdkLanguage(language);
    const fix = guide?.shortDelay ?? SHORT_DELAY_ANY;
    log.info(`runs of ${n.service} arrive whole, ${(n.lateMs / 1000).toFixed(1)} s after they end (${language ?? 'language unknown'}): ${fix}`);
    const pick = await vscode.window.showInformationMessage(
      `Agent Lens: runs of "${n.service}" arrive ${Math.round(n.lateMs / 1000)} s after they end, in one piece: its exporter waits before sending. ${fix}`, 'Show Set-up', 'Open Run');
    if (pick === 'Show Set-up') void vscode.commands.executeCommand('agentLens.connectApp', guide?.id);
    if (pick === 'Open Run') panel.show(n.traceId);
  };

  // ---- the connection's scope: what one server connection owns ----
  let connScope = new Scope();
  life.defer(() => connScope.dispose());
  life.register({ dispose: connection.onState((s: ConnectionState) => {
    connScope.dispose();
    connScope = new Scope();
    if (s.kind === 'connected') {
      const c = s.client;
      const reload = () => runs.load(c).then(() => { late.know(runs.all.map((r) => r.traceId)); updateStatus(); }, (e) => log.warn(`could not list runs: ${(e as Error).message}`));
      connScope.register({ dispose: c.onFeed((m) => {
        // A run new to this window arrived (not one loaded from before): the walkthrough's
        // "See your first run" is checked by this too, also when runs were there when it was first read.
        if (m.type === 'summaries' && !runArrived && m.traces.some((t) => !runs.has(t.traceId))) {
          runArrived = true;
          void vscode.commands.executeCommand('setContext', 'agentLens.runArrived', true);
        }
        if (m.type === 'summaries' && current['capture.noticeLateRuns']) {
          const n = late.onSummaries(m.traces, Date.now());
          if (n) void tellLate(n, c);
        }
        runs.onFeed(m);
        panel.onFeed(m);
        if (m.type === 'summaries' || m.type === 'removed') updateStatus();
        if (m.type === 'summaries' || m.type === 'removed' || m.type === 'resync' || m.type === 'history') sites.refresh();
        // Live updates were left out: the list is loaded again (the webview reloads its own view).
        if (m.type === 'resync') { log.info(`live feed: ${m.reason}; reloading the runs`); void reload(); }
        if (m.type === 'history') {
          const said = historyProgress(m);
          view.message = m.loading ? `${said[0]!.toUpperCase()}${said.slice(1)}: runs from before the receiver restarted appear when it is done. New runs show now.` : undefined;
          status.history(m.loading ? said : undefined);
          if (!m.loading) { log.info(`history loaded: ${m.spans} spans in ${m.ms} ms`); void reload(); }
        }
      }) });
      void reload();
      panel.setClient(c, 'connected');
      sites.setClient(c);
      view.message = undefined;
      void vscode.commands.executeCommand('setContext', 'agentLens.connected', true);
    } else {
      panel.setClient(undefined, s.kind === 'connecting' ? 'connecting' : 'disconnected', s.kind === 'connecting' ? s.detail : s.message);
      sites.setClient(undefined);
      void vscode.commands.executeCommand('setContext', 'agentLens.connected', false);
      // Said above the runs (which stay as they were) until the receiver is back.
      view.message = s.kind === 'connecting' ? `Agent Lens: ${s.detail}…`
        : s.kind === 'port-in-use' ? `Agent Lens: ${portInUseText(s.port, s.suggestion, s.port === current['server.grpcPort'] ? 'server.grpcPort' : 'server.httpPort')}`
        : `Agent Lens: ${s.message}`;
    }
    applyCapture();
    updateStatus();
    if (s.kind === 'port-in-use') void askForPort(s);
    if (s.kind === 'failed') void vscode.window.showErrorMessage(`Agent Lens: ${s.message}`, 'Show Log', 'Retry').then((a) => {
      if (a === 'Show Log') log.show();
      if (a === 'Retry') void connection.restart();
    });
  }) });

  const askForPort = async (s: Extract<ConnectionState, { kind: 'port-in-use' }>) => {
    const key: SettingKey = s.port === current['server.grpcPort'] ? 'server.grpcPort' : 'server.httpPort';
    const use = s.suggestion ? `Use ${s.suggestion}` : undefined;
    const pick = await vscode.window.showWarningMessage(`Agent Lens: port ${s.port} is taken by another program, so the receiver cannot start there.${s.suggestion ? ` Port ${s.suggestion} is free.` : ''}`,
      ...[use, 'Open Settings'].filter((x): x is string => !!x));
    if (pick && pick === use) {
      await vscode.workspace.getConfiguration('agentLens').update(key, s.suggestion, vscode.ConfigurationTarget.Global);
    } else if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', `agentLens.${key}`);
  };

  life.register(vscode.workspace.onDidChangeConfiguration((e) => {
    const keys = (Object.keys(SETTINGS) as SettingKey[]).filter((k) => e.affectsConfiguration(`agentLens.${k}`));
    if (!keys.length) return;
    current = loadSettings(log);
    const effect = effectOf(keys);
    log.info(`settings changed (${keys.join(', ')}): ${effect === 'restart' ? 'restarting the receiver' : effect === 'environment' ? 'updating the capture environment' : 'nothing to do'}`);
    if (keys.some((k) => k.startsWith('codeLens.') || k === 'source.pathMappings')) sites.refresh(0);
    if (effect === 'restart') void connection.restart();
    else if (effect === 'environment') applyCapture();
  }));

  // ---- commands ----
  const traceIdOf = (arg: unknown): string | undefined => {
    if (typeof arg === 'string') return arg;
    const n = arg as { kind?: string; run?: TraceSummary } | undefined;
    return n?.kind === 'run' ? n.run!.traceId : undefined;
  };
  const reg = (id: string, fn: (...a: unknown[]) => unknown) => life.register(vscode.commands.registerCommand(id, fn));
  reg('agentLens.showRuns', async () => {
    await vscode.commands.executeCommand('agentLens.runs.focus');
    panel.show();
  });
  // From the tree: a click shows the run in the preview tab, a double-click (two opens) keeps it.
  reg('agentLens.openRun', (arg) => {
    const id = traceIdOf(arg);
    if (id) panel.show(id.toLowerCase());
  });
  reg('agentLens.keepRunOpen', () => panel.keep());
  // A trace id, or a prefix of one; without one, a searchable pick of recent runs. An id that
  // names no run says so and leaves the run view as it is.
  reg('agentLens.openRunById', async (given) => {
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
    void vscode.commands.executeCommand('setContext', 'agentLens.runsFiltered', !!(f.text || f.errorsOnly));
  };
  reg('agentLens.filterRuns', async (given) => {
    const text = typeof given === 'string' ? given : await vscode.window.showInputBox({ prompt: 'Show runs whose question, name, service, agent, model or trace id contains', value: runs.filter.text });
    if (text === undefined) return;
    runs.setFilter({ text });
    filterSaid();
  });
  reg('agentLens.toggleFailedRuns', () => { runs.setFilter({ errorsOnly: !runs.filter.errorsOnly }); filterSaid(); });
  reg('agentLens.clearRunFilter', () => { runs.setFilter({ text: '', errorsOnly: false }); filterSaid(); });
  reg('agentLens.openSource', (arg) => openSource(arg as SourceArg));
  reg('agentLens.openDefinition', (arg) => openDefinition(arg as DefinitionArg));
  // A run's "go to source" (the Runs tree): where the run starts in the code.
  reg('agentLens.goToRunSource', async (arg) => {
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
  reg('agentLens.copyTraceId', async (arg) => {
    const id = traceIdOf(arg);
    if (id) { await vscode.env.clipboard.writeText(id); void vscode.window.setStatusBarMessage(`Copied trace id ${id}`, 3000); }
  });
  // Asks first (a run cannot be brought back); 'confirmed' as the second argument skips the question (tests, other extensions).
  reg('agentLens.deleteRun', async (arg, confirmed) => {
    const id = traceIdOf(arg);
    const c = connection.client;
    if (!id || !c) return;
    if (confirmed !== 'confirmed') {
      const r = runs.get(id);
      const name = r ? runTitle(r) : id;
      const ok = await vscode.window.showWarningMessage(`Delete the run "${name}" from the Agent Lens receiver? It cannot be brought back.`, { modal: true }, 'Delete');
      if (ok !== 'Delete') return;
    }
    try { await c.request('DELETE', `/api/traces/${id}`); } catch (e) { void vscode.window.showErrorMessage(`Agent Lens: could not delete the run: ${(e as Error).message}`); }
  });
  reg('agentLens.clearRuns', async () => {
    const c = connection.client;
    if (!c) return void vscode.window.showWarningMessage('Agent Lens: the receiver is not connected.');
    const ok = await vscode.window.showWarningMessage(`Delete all ${runs.size} runs from the Agent Lens receiver?`, { modal: true }, 'Delete All');
    if (ok === 'Delete All') await c.request('DELETE', '/api/traces');
  });
  reg('agentLens.copyEndpoint', async () => {
    const c = connection.client;
    if (!c) return void vscode.window.showWarningMessage('Agent Lens: the receiver is not running yet.');
    await vscode.env.clipboard.writeText(c.endpoint);
    void vscode.window.showInformationMessage(`Copied ${c.endpoint}. Set OTEL_EXPORTER_OTLP_ENDPOINT to it (and OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf) in your app's environment.`);
  });
  reg('agentLens.restartReceiver', () => connection.restart());
  // The browser UI, at the address that carries the token (in a remote window, forwarded to this machine).
  reg('agentLens.openInBrowser', async () => {
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
  reg('agentLens.runSample', () => {
    if (!connection.client) return void vscode.window.showWarningMessage('Agent Lens: the receiver is not running yet; try again in a moment.');
    const term = vscode.window.createTerminal({ name: 'Agent Lens: sample agent', shellPath: process.execPath,
      // --wait: the terminal stays open with what the sample said until a key is pressed.
      shellArgs: ['--enable-source-maps', context.asAbsolutePath(path.join('dist', 'demo.js')), '--wait'], env: { ELECTRON_RUN_AS_NODE: '1' }, iconPath: new vscode.ThemeIcon('play') });
    term.show(true);
    return term;
  });
  // The SDK set-up for an app outside the editor, per language, with this window's endpoint, as a document to copy from.
  reg('agentLens.connectApp', async (given) => {
    const guide = SETUP_GUIDES.find((g) => g.id === given) ?? (await vscode.window.showQuickPick(
      SETUP_GUIDES.map((g) => ({ label: g.label, guide: g })), { placeHolder: 'Your app\'s language: the OpenTelemetry set-up that sends its runs here' }))?.guide;
    if (!guide) return undefined;
    const endpoint = connection.client?.endpoint ?? `http://127.0.0.1:${current['server.httpPort']}`;
    const doc = await vscode.workspace.openTextDocument({ language: guide.language, content: guide.text(endpoint) });
    await vscode.window.showTextDocument(doc, { preview: true });
    return doc;
  });
  // Files may be given (other extensions, tests); otherwise the user picks them.
  reg('agentLens.importFile', async (given) => {
    const files = Array.isArray(given) && given.every((f) => f instanceof vscode.Uri) ? given as vscode.Uri[]
      : await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Import', filters: { 'OTLP files': ['json', 'jsonl', 'pb', 'bin', 'gz'], 'All files': ['*'] } });
    if (!files?.length) return undefined;
    const cli = path.join(context.extensionPath, 'dist', 'cli.js');
    const before = new Set(runs.all.map((r) => r.traceId));
    return new Promise<string>((resolve) => {
      execFile(process.execPath, [cli, 'import', ...files.map((f) => f.fsPath)], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } }, (err, stdout, stderr) => {
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

  void connection.start();
  return { connection, runs, runsView: view as vscode.TreeView<unknown>, panel, capturePlan: () => plan, settings: () => current };
}

function loadSettings(log: vscode.LogOutputChannel): Settings {
  const cfg = vscode.workspace.getConfiguration('agentLens');
  const { settings, problems } = readSettings((k) => cfg.get(k));
  for (const p of problems) { log.warn(p); void vscode.window.showWarningMessage(`Agent Lens: ${p}`); }
  return settings;
}

export function deactivate(): void {
  // The receiver is left running: other windows and terminals may use it, and a reloaded window joins it again.
}
