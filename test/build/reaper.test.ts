// A test's processes end with it even when the runner cancels it: a test process that started a
// receiver (through the helpers every test uses) is sent SIGTERM, as the runner does on a timeout
// or Ctrl-C, and the receiver must be gone after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawn } from 'node:child_process';

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  test(`a test process cancelled with ${sig} takes the receiver it started with it`, async () => {
    const helper = path.join(__dirname, '..', 'helpers', 'server.js');
    const t = spawn(process.execPath, ['-e', `require(${JSON.stringify(helper)}).spawnServer(['--no-persist', '--http-port', '0', '--grpc-port', '0']).then((s) => console.log('server', s.child.pid)); setInterval(() => {}, 1000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      t.stdout!.on('data', (d) => { out += d; const m = /server (\d+)/.exec(out); if (m) resolve(Number(m[1])); });
      t.once('exit', (c) => reject(new Error(`the test process ended first (${c})`)));
    });
    assert.ok(alive(pid), 'the receiver runs');
    const ended = new Promise((r) => t.once('exit', r));
    t.kill(sig);
    await ended;
    // SIGKILL is immediate, but the pid stays until its parent (gone) is replaced by init's reaping.
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(pid), false, `the receiver (pid ${pid}) outlived the cancelled test process`);
  });
}
