// Re-run From Here, in the editor (issue 26): "Agent Lens: Re-run From Here…" on a step of a
// recorded run starts the developer's app again (a launch configuration of theirs, the command line
// the run recorded, or one they type) with the capture helper in re-run mode: the model calls
// before the step are answered from the recording, the rest go to the model ("All recorded":
// none do). When the app ends, the new run opens in the diff view beside the original.
// "Agent Lens: Compare Runs" opens any two runs there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServerClient } from './client';
import type { Scope } from './disposables';
import type { RunTabs } from './runTabs';
import type { CapturePlan } from '../captureEnv';
import { withCaptureEnv } from '../captureEnv';
import { readReport, type RerunReportLine } from '../rerun';
import { registerCommand, runCommand } from './commandHost';
import type { Commands } from './commands';
import type { RerunPlan } from '../protocol';

/** How the app is started again: a launch configuration by name, or a command line. */
export type RerunHow = NonNullable<NonNullable<Commands['agentLens.rerunFromHere'][2]>['how']>;
export interface RerunResult { runs: string[]; lines: RerunReportLine[]; exitCode: number | undefined }

/** The run and step the replay debugger is at (its call stack's context menu and toolbar), when one is. */
export async function debuggerStep(): Promise<{ traceId: string; spanId: string; kind?: string } | undefined> {
  const s = vscode.debug.activeDebugSession;
  if (s?.type !== 'agent-lens' || s.configuration.live) return undefined;
  try { return await s.customRequest('currentStep') as { traceId: string; spanId: string; kind?: string }; } catch { return undefined; }
}

const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

export function registerRerun(life: Scope, storage: string, client: () => ServerClient | undefined, panel: RunTabs, capture: () => CapturePlan): void {
  registerCommand(life, 'agentLens.compareRuns', (a, b) => {
    if (typeof a !== 'string' || typeof b !== 'string') { void vscode.window.showInformationMessage('Agent Lens: Compare Runs takes two trace ids.'); return; }
    panel.compare(a, b);
  });

  registerCommand(life, 'agentLens.rerunFromHere', async (traceId, spanId, opts): Promise<RerunResult | undefined> => {
    if (typeof traceId !== 'string') ({ traceId, spanId } = await debuggerStep() ?? {});
    const c = client();
    if (!c) { void vscode.window.showErrorMessage('Agent Lens: the receiver is not connected yet; try again in a moment.'); return undefined; }
    if (typeof traceId !== 'string') { void vscode.window.showInformationMessage('Agent Lens: open a run and choose "Re-run from here…" on one of its steps.'); return undefined; }
    let all = opts?.all;
    if (all === undefined) {
      if (typeof spanId !== 'string') all = true;
      else {
        const pick = await vscode.window.showQuickPick([
          { label: '$(debug-restart) Live from this step', description: 'the model calls before it are answered from the recording; this one and the rest go to the model', all: false },
          { label: '$(archive) All recorded', description: 'every model call answered from the recording: offline, nothing spent', all: true },
        ], { title: 'Re-run the app from this step' });
        if (!pick) return undefined;
        all = pick.all;
      }
    }
    let plan: RerunPlan;
    try { plan = await c.request<RerunPlan>('GET', `/api/traces/${traceId}/rerun?${all ? 'all=1' : `from=${spanId}`}`); } catch (e) { void vscode.window.showErrorMessage(`Agent Lens: ${(e as Error).message}`); return undefined; }
    const how = opts?.how ?? await pickHow(plan);
    if (!how) return undefined;
    const dir = path.join(storage, 'reruns');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${traceId}.${all ? 'all' : spanId}.json`);
    const report = `${file}.report.jsonl`;
    fs.writeFileSync(file, JSON.stringify(plan));
    fs.rmSync(report, { force: true });
    const env = { AGENT_LENS_RERUN_FILE: file, AGENT_LENS_RERUN_REPORT: report };
    const gaps = plan.gaps.map((g) => ` Call ${g.step} cannot be answered from the recording (${g.why}): the re-run goes live there.`).join('');
    void vscode.window.setStatusBarMessage(`Agent Lens: re-running ${traceId.slice(0, 8)}: ${plan.calls.length} model call${plan.calls.length === 1 ? '' : 's'} from the recording.${gaps}`, 15000);
    let exitCode: number | undefined;
    try {
      exitCode = 'launch' in how ? await viaLaunch(how, env) : await viaTask(how, env, capture());
    } catch (e) { void vscode.window.showErrorMessage(`Agent Lens: the re-run did not start: ${(e as Error).message}`); return undefined; }
    const { lines, runs } = readReport(report);
    const fromRecording = lines.filter((l) => l.answeredBy === 'recording').length;
    const diverged = lines.find((l) => l.answeredBy === 'model' && /something else/.test(l.why ?? ''));
    const said = `Agent Lens: re-run done: ${fromRecording} of ${lines.length} model call${lines.length === 1 ? '' : 's'} answered from the recording${diverged ? `; call ${diverged.call} ${diverged.why}` : ''}.`;
    if (runs[0]) {
      await runCommand('agentLens.compareRuns', traceId, runs[0]);
      void vscode.window.setStatusBarMessage(said, 20000);
    } else void vscode.window.showWarningMessage(`${said} The app made no model call through the helper${exitCode ? ` (it exited with ${exitCode})` : ''}.`);
    return { runs, lines, exitCode };
  });
}

/** Where a launch configuration lives: each folder's, then the workspace file's. */
function launchConfigs(): { name: string; folder?: vscode.WorkspaceFolder; config: vscode.DebugConfiguration }[] {
  const out: { name: string; folder?: vscode.WorkspaceFolder; config: vscode.DebugConfiguration }[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    for (const config of vscode.workspace.getConfiguration('launch', folder.uri).get<vscode.DebugConfiguration[]>('configurations') ?? []) {
      if (config?.name && config.type !== 'agent-lens' && config.request === 'launch') out.push({ name: config.name, folder, config });
    }
  }
  return out;
}

async function pickHow(plan: RerunPlan): Promise<RerunHow | undefined> {
  type Item = vscode.QuickPickItem & { how?: RerunHow; ask?: true };
  const items: Item[] = launchConfigs().map((l) => ({ label: `$(debug-alt) ${l.name}`, description: `launch configuration${l.folder ? ` in ${l.folder.name}` : ''}`, how: { launch: l.name, ...(l.folder ? { folder: l.folder.name } : {}) } }));
  if (plan.command?.length) items.push({ label: `$(terminal) ${plan.command.map(quote).join(' ')}`, description: 'the command line the run recorded', how: { command: plan.command } });
  items.push({ label: '$(edit) Enter a command…', ask: true });
  const pick = await vscode.window.showQuickPick(items, { title: 'Start the app how?' });
  if (!pick) return undefined;
  if (pick.how) return pick.how;
  const text = await vscode.window.showInputBox({ prompt: 'The command that starts the app (run in the workspace folder)', value: plan.command?.map(quote).join(' ') ?? '' });
  if (!text?.trim()) return undefined;
  return { command: ['/bin/sh', '-c', text] };
}

/** Starts a launch configuration with the re-run's variables (the capture provider adds its own); resolves with its end. */
async function viaLaunch(how: { launch: string; folder?: string }, env: Record<string, string>): Promise<number | undefined> {
  const found = launchConfigs().find((l) => l.name === how.launch && (!how.folder || l.folder?.name === how.folder));
  if (!found) throw new Error(`no launch configuration named ${how.launch}`);
  const marker = `agent-lens-rerun-${Date.now()}`;
  // (The session is known by the marker its configuration carries.)
  let done: vscode.Disposable | undefined;
  const ended = new Promise<void>((resolve) => {
    done = vscode.debug.onDidTerminateDebugSession((s) => { if (s.configuration.agentLensRerun === marker) { done?.dispose(); resolve(); } });
  });
  const config = { ...found.config, agentLensRerun: marker, env: { ...(found.config.env as Record<string, string> | undefined), ...env } };
  if (!await vscode.debug.startDebugging(found.folder, config)) { done?.dispose(); throw new Error(`the launch configuration ${how.launch} did not start`); }
  await ended;
  return undefined;
}

/** Runs a command as a task (its own terminal) with the capture environment and the re-run's variables; resolves with its exit code. */
async function viaTask(how: { command: string[]; cwd?: string }, env: Record<string, string>, plan: CapturePlan): Promise<number | undefined> {
  const [cmd, ...args] = how.command;
  if (!cmd) throw new Error('no command to run');
  const capture: Record<string, string> = {};
  for (const [k, v] of Object.entries(withCaptureEnv(undefined, plan, process.env))) if (typeof v === 'string') capture[k] = v;
  const cwd = how.cwd ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const task = new vscode.Task({ type: 'agent-lens-rerun' }, vscode.TaskScope.Workspace, 'Re-run', 'Agent Lens',
    new vscode.ProcessExecution(cmd, args, { env: { ...capture, ...env }, ...(cwd ? { cwd } : {}) }));
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
  let execution: vscode.TaskExecution | undefined;
  const ended = new Promise<number | undefined>((resolve) => {
    const d = vscode.tasks.onDidEndTaskProcess((e) => { if (e.execution === execution || e.execution.task.definition.type === 'agent-lens-rerun') { d.dispose(); resolve(e.exitCode); } });
  });
  execution = await vscode.tasks.executeTask(task);
  return ended;
}
