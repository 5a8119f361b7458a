// A real receiver process for the benchmarks that measure one (restart, scale, UI): started from
// the built CLI with `--json`, ready when it prints its ready line; and its RSS, read from /proc.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';

const CLI = path.join(__dirname, '..', 'dist', 'cli.js');

export interface Ready { httpPort: number; token: string; pid: number; startupMs: number }

/**
 * `serve --json` with `args`; resolves at its ready line (`wallMs`: from spawn), rejects when it
 * fails or exits first. `quiet`: its stderr (warnings) is not shown.
 */
export function startServerProcess(args: string[], quiet = false): Promise<{ ready: Ready; wallMs: number; kill(signal?: NodeJS.Signals): void }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, 'serve', '--json', '--http-port', '0', '--grpc-port', '0', ...args], { stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      const m = JSON.parse(line);
      if (m.event !== 'ready') reject(new Error(line));
      resolve({ ready: m, wallMs: performance.now() - t0, kill: (signal = 'SIGKILL') => child.kill(signal) });
    });
    child.on('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
}

/** A process's resident memory in MB (NaN where there is no /proc). */
export function rssMb(pid: number): number {
  try { return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024; } catch { return NaN; }
}
