// Commands registered and run, and context keys set, by the typed ids of commands.ts (the one
// place the editor's string-keyed command API is called for the extension's own commands).
import * as vscode from 'vscode';
import type { Scope } from './disposables';
import type { Commands, CommandId, ContextKey } from './commands';

/** Registers a command for the scope's life. Its arguments may be missing (the command palette passes none). */
export function registerCommand<K extends CommandId>(life: Scope, id: K, fn: (...args: Partial<Commands[K]>) => unknown): void {
  life.register(vscode.commands.registerCommand(id, fn as (...a: unknown[]) => unknown));
}

export function runCommand<K extends CommandId>(id: K, ...args: Commands[K]): Thenable<unknown> {
  return vscode.commands.executeCommand(id, ...args);
}

export function setContext(key: ContextKey, value: boolean): void {
  void vscode.commands.executeCommand('setContext', key, value);
}
