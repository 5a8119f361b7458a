// The extension's context: what lives as long as the extension does and every feature shares (its
// lifetime, settings, log, the receiver connection, the runs it lists, the run tabs), and the
// typed ways to register and run commands and set context keys (rust-analyzer's ctx.ts keeps its
// extension so). Features are functions of a Ctx, each in its own file; extension.ts lists them.
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection } from './connection';
import { readSettings, type Settings } from './settings';
import { RunsTree } from './runsTree';
import { RunTabs } from './runTabs';
import { Scope } from './disposables';
import { locateDefinition } from './openSource';
import type { Commands, CommandId, ContextKey } from './commands';
import { registerCommand, runCommand, setContext } from './commandHost';
import type { CreepRule, UiPrefs } from '../protocol';
import { runTitle } from '../format';

export class Ctx {
  /** Ended when the extension is deactivated: everything registered here is disposed with it. */
  readonly life = new Scope();
  private current: Settings;
  readonly connection: Connection;
  readonly runs = new RunsTree();
  readonly panel: RunTabs;

  constructor(readonly ext: vscode.ExtensionContext, readonly log: vscode.LogOutputChannel) {
    ext.subscriptions.push(this.life);
    this.current = this.readSettings();
    this.connection = this.life.register(new Connection({
      node: process.execPath,
      cli: this.extPath('dist', 'cli.js'),
      settings: () => this.current,
      pricesFile: () => this.pricesFile(),
      log: (l) => log.info(l),
    }));
    this.panel = this.life.register(new RunTabs(ext.extensionUri, {
      log: (l) => log.info(l),
      creep: () => this.creep(),
      titleOf: (id) => { const r = this.runs.get(id); return r ? runTitle(r) : undefined; },
      findDefinition: (kind, name, near) => locateDefinition({ kind, name }, near),
      prefs: () => ext.globalState.get<UiPrefs>('agentLens.ui.prefs') ?? {},
      setPref: (key, value) => {
        const prefs = { ...(ext.globalState.get<UiPrefs>('agentLens.ui.prefs') ?? {}) };
        // Only what the run view sets: a width in pixels, or back to automatic.
        if (value === null || !Number.isFinite(value)) delete prefs[key]; else prefs[key] = Math.round(Math.min(4000, Math.max(0, value)));
        void ext.globalState.update('agentLens.ui.prefs', prefs);
      },
    }));
  }

  /** The settings as last read (and checked: problems are said once, when read). */
  get settings(): Settings { return this.current; }

  /** Reads the settings again (after a change). */
  reloadSettings(): Settings { return (this.current = this.readSettings()); }

  /** Token creep as the user's settings judge it (the run view's conversations and the call-site lenses). */
  creep(): CreepRule { return { ratio: this.current['insights.creepRatio'], steadyRatio: this.current['insights.creepSteadyRatio'] }; }

  /** A file shipped with the extension. */
  extPath(...parts: string[]): string { return path.join(this.ext.extensionPath, ...parts); }

  /** Registers a command for the extension's life (see commandHost.ts). */
  command<K extends CommandId>(id: K, fn: (...args: Partial<Commands[K]>) => unknown): void { registerCommand(this.life, id, fn); }

  run<K extends CommandId>(id: K, ...args: Commands[K]): Thenable<unknown> { return runCommand(id, ...args); }

  setContext(key: ContextKey, value: boolean): void { setContext(key, value); }

  private readSettings(): Settings {
    const cfg = vscode.workspace.getConfiguration('agentLens');
    const { settings, problems } = readSettings((k) => cfg.get(k));
    for (const p of problems) { this.log.warn(p); void vscode.window.showWarningMessage(`Agent Lens: ${p}`); }
    return settings;
  }

  /** The user's price overrides, written where the receiver can read them (none: undefined). */
  private pricesFile(): string | undefined {
    const overrides = this.current['prices.overrides'];
    if (!overrides.length) return undefined;
    const dir = this.ext.globalStorageUri.fsPath;
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'prices.json');
    fs.writeFileSync(file, JSON.stringify(overrides, null, 2));
    return file;
  }
}
