// The replay debugger in the editor: debug type `agent-lens` runs the ReplaySession inline in the
// extension host over the receiver's client; "Debug Run" (Runs tree, run view, palette) starts
// one; the run view follows every stop and its "Run to Step" moves the replay.
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ServerClient } from '../client';
import type { TraceSummary } from '../../protocol';
import type { RunTabs } from '../runTabs';
import type { Scope } from '../disposables';
import { ReplaySession, type StepEventBody } from './session';
import { LiveSession, liveSourceOf, type PausedInput } from './live';
import { clientSource } from './source';
import { pathMappings, resolveSource } from '../openSource';
import { runPickItems } from '../runPicker';
import { registerCommand } from '../commandHost';
import { traceIdOf } from '../commands';

export const DEBUG_TYPE = 'agent-lens';
const TRACE_ID = /^[0-9a-f]{32}$/i;

export interface ReplayDeps {
  life: Scope;
  client(): ServerClient | undefined;
  runs(): TraceSummary[];
  panel: RunTabs;
  log(msg: string): void;
}

/** Asks for a run, newest first; undefined when dismissed or there is none. */
async function pickRun(runs: TraceSummary[]): Promise<TraceSummary | undefined> {
  if (!runs.length) {
    void vscode.window.showInformationMessage('Agent Lens: no runs to replay yet. Run your app (from a terminal here, it is captured with no setup), then try again.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(runPickItems(runs), { title: 'Replay which run?', matchOnDescription: true, matchOnDetail: true }))?.run;
}

function launchConfig(run: { traceId: string; rootName?: string; title?: string }, extra: Record<string, unknown> = {}): vscode.DebugConfiguration {
  return { type: DEBUG_TYPE, request: 'launch', name: `Replay ${run.title ? `"${run.title.length > 40 ? `${run.title.slice(0, 39)}…` : run.title}"` : run.rootName || run.traceId.slice(0, 8)}`, traceId: run.traceId, ...extra };
}

export function registerReplayDebugger(d: ReplayDeps): void {
  const { life } = d;
  /** The JSON documents opened for paused live calls (Edit Paused Call as JSON), by the pause's key. */
  const pausedDocs = new Map<string, vscode.TextDocument>();
  life.register(vscode.workspace.onDidCloseTextDocument((doc) => { for (const [k, d] of pausedDocs) if (d === doc) pausedDocs.delete(k); }));
  /** Each live replay session and the run it is on (from its configuration, then its stops). */
  const sessions = new Map<string, { session: vscode.DebugSession; traceId?: string }>();

  life.register(vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
    createDebugAdapterDescriptor(session) {
      const client = d.client();
      if (!client) throw new Error('Agent Lens: the receiver is not connected yet; try again in a moment (Agent Lens: Restart Receiver if it stays so).');
      // The running agent: its calls stop at their breakpoints (live.ts).
      if (session.configuration.request === 'attach' && session.configuration.live === true) {
        return new vscode.DebugAdapterInlineImplementation(new LiveSession(liveSourceOf(client), (key) => {
          const doc = pausedDocs.get(key);
          return doc && !doc.isClosed ? doc.getText() : undefined;
        }) as unknown as vscode.DebugAdapter);
      }
      const source = clientSource(client, { resolvePath: async (p) => (await resolveSource(p))?.fsPath, mappings: pathMappings });
      return new vscode.DebugAdapterInlineImplementation(new ReplaySession(source) as unknown as vscode.DebugAdapter);
    },
  }));

  life.register(vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
    provideDebugConfigurations(folder) {
      // The picker lists launch.json's configurations too: one already there is not offered again.
      const mine = (vscode.workspace.getConfiguration('launch', folder?.uri).get<{ type?: string; name?: string }[]>('configurations') ?? [])
        .filter((c) => c?.type === DEBUG_TYPE).map((c) => c.name);
      return [
        { type: DEBUG_TYPE, request: 'launch', name: 'Replay the latest run', run: 'latest', stopOnEntry: true },
        { type: DEBUG_TYPE, request: 'launch', name: 'Replay a run…', run: 'pick', stopOnEntry: true },
        { type: DEBUG_TYPE, request: 'attach', name: 'Follow runs as they arrive' },
        { type: DEBUG_TYPE, request: 'attach', name: 'Pause the live agent', live: true },
      ].filter((c) => !mine.includes(c.name));
    },
    async resolveDebugConfiguration(_folder, config) {
      // F5 with no launch configuration: the latest run.
      if (!config.type && !config.request && !config.name) return { type: DEBUG_TYPE, request: 'launch', name: 'Replay the latest run', run: 'latest', stopOnEntry: true };
      if (config.request === 'launch' && config.run === 'pick' && !config.traceId) {
        const run = await pickRun(d.runs());
        if (!run) return undefined;
        return { ...config, traceId: run.traceId, name: config.name || launchConfig(run).name };
      }
      if (config.request === 'launch' && config.traceId && !TRACE_ID.test(String(config.traceId))) {
        void vscode.window.showErrorMessage(`Agent Lens: "${config.traceId}" is not a trace id (32 hexadecimal digits).`);
        return undefined;
      }
      return config;
    },
  }, vscode.DebugConfigurationProviderTriggerKind.Dynamic));

  life.register(vscode.debug.onDidStartDebugSession((s) => {
    if (s.type === DEBUG_TYPE) sessions.set(s.id, { session: s, ...(s.configuration.traceId ? { traceId: String(s.configuration.traceId).toLowerCase() } : {}) });
  }));
  life.register(vscode.debug.onDidTerminateDebugSession((s) => sessions.delete(s.id)));
  // The run view follows the debugger: the run and step it stopped at, in sight, the focus left in the editor.
  life.register(vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
    if (e.session.type !== DEBUG_TYPE || e.event !== 'agentLens.step') return;
    const b = e.body as StepEventBody;
    sessions.set(e.session.id, { session: e.session, traceId: b.traceId });
    d.panel.show(b.traceId, b.spanId, true);
  }));

  // A whole trace id (of any case) or a Runs view node; anything else is no run.
  const runIdOf = (arg: unknown): string | undefined => {
    const id = traceIdOf(arg);
    return id && TRACE_ID.test(id) ? id.toLowerCase() : undefined;
  };
  registerCommand(life, 'agentLens.debugRun', async (arg) => {
    let id = runIdOf(arg);
    if (!id) id = (await pickRun(d.runs()))?.traceId;
    if (!id) return false;
    const run = d.runs().find((r) => r.traceId === id) ?? { traceId: id };
    return vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], launchConfig(run));
  });
  registerCommand(life, 'agentLens.runToStep', async (traceId, spanId) => {
    const id = runIdOf(traceId);
    if (!id || typeof spanId !== 'string') return false;
    const session = [...sessions.values()].find((x) => x.traceId === id)?.session;
    if (session) {
      try {
        await session.customRequest('runToStep', { spanId });
        return true;
      } catch (e) {
        void vscode.window.showErrorMessage(`Agent Lens: ${(e as DebugProtocol.Response & Error).message}`);
        return false;
      }
    }
    const run = d.runs().find((r) => r.traceId === id) ?? { traceId: id };
    return vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], launchConfig(run, { startAt: spanId }));
  });

  // Pausing the live agent: function breakpoints on the names asked for, then a live attach.
  registerCommand(life, 'agentLens.pauseLiveAgent', async (names) => {
    let list = Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string' && n.trim() !== '') : undefined;
    if (!list?.length) {
      const had = vscode.debug.breakpoints.filter((b): b is vscode.FunctionBreakpoint => b instanceof vscode.FunctionBreakpoint).map((b) => b.functionName);
      const typed = await vscode.window.showInputBox({
        title: 'Pause the live agent before which calls?',
        prompt: 'Tool or model names, separated by commas (* for any text; * alone: every call). Apps started from this editor stop there before the call runs.',
        value: had.join(', ') || 'get_weather', ignoreFocusOut: true,
      });
      if (typed === undefined) return false;
      list = typed.split(',').map((n) => n.trim()).filter(Boolean);
    }
    const have = new Set(vscode.debug.breakpoints.filter((b): b is vscode.FunctionBreakpoint => b instanceof vscode.FunctionBreakpoint).map((b) => b.functionName));
    const add = list.filter((n) => !have.has(n)).map((n) => new vscode.FunctionBreakpoint(n));
    if (add.length) vscode.debug.addBreakpoints(add);
    return vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], { type: DEBUG_TYPE, request: 'attach', name: 'Pause the live agent', live: true });
  });
  // A bigger edit than Set Value: the paused call's input as a JSON document, which Continue sends.
  registerCommand(life, 'agentLens.editPausedCall', async () => {
    const session = vscode.debug.activeDebugSession;
    if (session?.type !== DEBUG_TYPE || !session.configuration.live) {
      void vscode.window.showInformationMessage('Agent Lens: Edit Paused Call applies to a call paused by the live agent session (Agent Lens: Pause Live Agent…).');
      return undefined;
    }
    try {
      const threadId = vscode.debug.activeStackItem && 'threadId' in vscode.debug.activeStackItem ? vscode.debug.activeStackItem.threadId : undefined;
      const p = await session.customRequest('pausedInput', { threadId }) as PausedInput;
      let doc = pausedDocs.get(p.key);
      if (!doc || doc.isClosed) {
        doc = await vscode.workspace.openTextDocument({ language: 'json', content: `${JSON.stringify(p.input, null, 2)}\n` });
        pausedDocs.set(p.key, doc);
      }
      await vscode.window.showTextDocument(doc, { preview: false });
      void vscode.window.setStatusBarMessage(`Agent Lens: edit the ${p.kind === 'tool' ? `arguments of tool ${p.name}` : `request of model call ${p.name}`}, then Continue sends it (close the document to send the Variables' values instead)`, 8000);
      return doc;
    } catch (e) {
      void vscode.window.showErrorMessage(`Agent Lens: ${(e as Error).message}`);
      return undefined;
    }
  });
  registerCommand(life, 'agentLens.failStep', async (message) => {
    const session = vscode.debug.activeDebugSession;
    if (session?.type !== DEBUG_TYPE || !session.configuration.live) {
      void vscode.window.showInformationMessage('Agent Lens: Fail Step applies to a call paused by the live agent session (Agent Lens: Pause Live Agent…).');
      return false;
    }
    const text = typeof message === 'string' ? message : await vscode.window.showInputBox({ title: 'Fail the paused call', prompt: 'The message it fails with (a tool raises it; a model call answers it as an error)', value: 'failed from the debugger', ignoreFocusOut: true });
    if (text === undefined) return false;
    try {
      await session.customRequest('failStep', { threadId: vscode.debug.activeStackItem && 'threadId' in vscode.debug.activeStackItem ? vscode.debug.activeStackItem.threadId : undefined, message: text });
      return true;
    } catch (e) {
      void vscode.window.showErrorMessage(`Agent Lens: ${(e as Error).message}`);
      return false;
    }
  });
}
