// The extension-host suite (test/vscode/suite) under @vscode/test-electron, for machines that have
// a desktop VS Code. It never downloads one (@vscode/test-electron would): it uses the editor named
// by VSCODE_EXECUTABLE or found where installers put it, and skips, saying why, when there is none.
// (test/e2e/vscode.test.ts runs the same suite in code-server on machines like CI.)
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tmpDir } from '../helpers/server';

const ROOT = path.join(__dirname, '..', '..');
const CANDIDATES = [
  process.env.VSCODE_EXECUTABLE,
  '/usr/share/code/code', '/usr/lib/code/code', '/opt/visual-studio-code/code', '/snap/code/current/usr/share/code/code',
  '/Applications/Visual Studio Code.app/Contents/MacOS/Electron',
  path.join(process.env.LOCALAPPDATA ?? '', 'Programs', 'Microsoft VS Code', 'Code.exe'),
].filter((p): p is string => !!p);
const vscodeExe = CANDIDATES.find((p) => fs.existsSync(p));
const skip = vscodeExe ? false : `no desktop VS Code here (looked in ${CANDIDATES.join(', ')}; set VSCODE_EXECUTABLE); @vscode/test-electron would download one, which these tests never do`;

test('extension-host suite under @vscode/test-electron', { skip, timeout: 300_000 }, async () => {
  const { runTests } = await import('@vscode/test-electron');
  const run = tmpDir('al-electron-');
  process.env.E2E_TEST_RESULTS = path.join(run, 'suite.json');
  process.env.AGENT_LENS_STATE_DIR = path.join(run, 'state');
  const code = await runTests({
    vscodeExecutablePath: vscodeExe!,
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: path.join(ROOT, 'dist-test', 'vscode', 'suite', 'index.js'),
    launchArgs: [fs.mkdtempSync(path.join(os.tmpdir(), 'al-ws-')), '--disable-extensions', '--user-data-dir', path.join(run, 'ud'), '--skip-welcome', '--disable-workspace-trust'],
  });
  assert.equal(code, 0);
});
