// A child process run to its end: what it printed and how it exited (its output closed, not only
// exited: 'exit' can come before the last stdout data).
import { spawn } from 'node:child_process';

export interface ProcessOutput { out: string; err: string; code: number | null }

export function runProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProcessOutput> {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const o: ProcessOutput = { out: '', err: '', code: null };
  child.stdout.on('data', (d) => { o.out += String(d); });
  child.stderr.on('data', (d) => { o.err += String(d); });
  return new Promise((resolve) => {
    child.once('error', (e) => { o.err += String(e); });
    child.once('close', (c) => { o.code = c; resolve(o); });
  });
}
