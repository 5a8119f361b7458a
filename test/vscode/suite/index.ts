// The extension-host test entry: `run()` as @vscode/test-electron and the code-server harness
// (test/e2e/vscode.test.ts) both call it. Runs every *.suite.js beside it with mocha and writes a
// JSON summary to $E2E_TEST_RESULTS for the harness to report.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  for (const f of fs.readdirSync(__dirname)) if (f.endsWith('.suite.js')) mocha.addFile(path.join(__dirname, f));
  const out = process.env.E2E_TEST_RESULTS;
  return new Promise((resolve, reject) => {
    const results: { title: string; ok: boolean; error?: string }[] = [];
    const runner = mocha.run((failures) => {
      const summary = { passed: runner.stats?.passes ?? 0, failed: runner.stats?.failures ?? 0, results };
      if (out) fs.writeFileSync(out, JSON.stringify(summary, null, 2));
      if (failures > 0) reject(new Error(`${failures} extension tests failed`)); else resolve();
    });
    runner.on('pass', (t) => results.push({ title: t.fullTitle(), ok: true }));
    runner.on('fail', (t, err: Error) => results.push({ title: t.fullTitle(), ok: false, error: String(err?.message) }));
  });
}
