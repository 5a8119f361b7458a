// Processes a test started end with it, however it ends: its `after` hooks, the runner cancelling
// it (SIGTERM or SIGINT to the test's process) or an exit on an error. Without this, a cancelled
// file left code-server and receivers running, and `npm test` waited on them.
const children = new Map<number, boolean>(); // pid → a process group (killed as -pid)
let installed = false;

function killAll(): void {
  for (const [pid, group] of children) { try { process.kill(group ? -pid : pid, 'SIGKILL'); } catch { /* gone */ } }
  children.clear();
}

/** Kills `pid` (its whole group if `group`) when this process ends, unless `forget` came first. */
export function reap(pid: number | undefined, group = false): () => void {
  if (pid === undefined) return () => undefined;
  children.set(pid, group);
  if (!installed) {
    installed = true;
    process.on('exit', killAll);
    for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
      process.once(sig, () => { killAll(); process.exit(code); });
    }
  }
  return () => { children.delete(pid); };
}
