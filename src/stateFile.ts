// The discovery file through which clients (the extension in any window, `agent-lens import`, the
// demo) find a running server: ports, pid and token, readable by this user only. Written by the
// server, read by the clients; its shape is the protocol's (protocol/stateFile.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ServerState } from './protocol';

export type { ServerState };

export function stateDir(): string {
  if (process.env.AGENT_LENS_STATE_DIR) return process.env.AGENT_LENS_STATE_DIR;
  const base = process.env.XDG_RUNTIME_DIR || os.tmpdir();
  const user = (() => { try { return os.userInfo().username; } catch { return 'user'; } })();
  return path.join(base, `agent-lens-${user}`);
}

export function stateFilePath(): string {
  return path.join(stateDir(), 'server.json');
}

export function writeState(s: ServerState): void {
  const dir = stateDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `server.json.${process.pid}`);
  fs.writeFileSync(tmp, JSON.stringify(s, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, stateFilePath());
}

export function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** The running server's state, or undefined when there is none (a stale file is ignored). */
export function readState(): ServerState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(stateFilePath(), 'utf8')) as ServerState;
    return typeof s.pid === 'number' && isAlive(s.pid) ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the state file if it is this process's. */
export function removeState(pid = process.pid): void {
  try {
    const s = JSON.parse(fs.readFileSync(stateFilePath(), 'utf8')) as ServerState;
    if (s.pid === pid) fs.rmSync(stateFilePath(), { force: true });
  } catch { /* nothing to remove */ }
}

export function defaultDataDir(): string {
  if (process.env.AGENT_LENS_DATA_DIR) return process.env.AGENT_LENS_DATA_DIR;
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(process.env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'agent-lens');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'agent-lens');
  return path.join(process.env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'agent-lens');
}
