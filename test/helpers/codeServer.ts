// A real VS Code for end-to-end tests: code-server 4.100.3 (VS Code 1.100.3's server and
// workbench, from npm; test/vscode-e2e/install-code-server.sh) driven by Debian's Chromium. Fresh
// user-data, extensions, XDG and Agent Lens state directories per run; its own process group,
// so that stopping it ends every child (extension host, file watcher, pty host).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { reap } from './reaper';
import type { Page } from 'playwright-core';

export const CODE_SERVER = process.env.AGENT_LENS_CODE_SERVER
  ?? path.join(process.env.TMPDIR ?? '/tmp', 'vscode-e2e', 'cs', 'node_modules', '.bin', 'code-server');

/** Why the real-editor tests cannot run here, or '' when they can. */
export function codeServerSkipReason(): string {
  if (fs.existsSync(CODE_SERVER)) return '';
  const why = `no code-server at ${CODE_SERVER} (bash test/vscode-e2e/install-code-server.sh, or set AGENT_LENS_CODE_SERVER)`;
  if (process.env.CI) throw new Error(`${why}: CI must run the VS Code tests`);
  return why;
}

export interface CodeServer { port: number; run: string; workspace: string; env: NodeJS.ProcessEnv; child: ChildProcess; stop(): Promise<void> }

const BASE_SETTINGS = {
  'telemetry.telemetryLevel': 'off', 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'extensions.ignoreRecommendations': true,
  'update.mode': 'none', 'security.workspace.trust.enabled': false, 'git.enabled': false, 'workbench.enableExperiments': false,
  'chat.commandCenter.enabled': false, 'terminal.integrated.shellIntegration.enabled': false,
};

function env(run: string, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: path.join(run, 'xdg', 'config'), XDG_DATA_HOME: path.join(run, 'xdg', 'data'), XDG_CACHE_HOME: path.join(run, 'xdg', 'cache'), ...extra };
  // The editor's terminals must not inherit this process's OTel settings: what they get is the extension's doing.
  for (const k of Object.keys(e)) if (k.startsWith('OTEL_') || k === 'NODE_OPTIONS') delete e[k];
  return e;
}

export function installExtension(run: string, vsix: string, extra: NodeJS.ProcessEnv = {}): void {
  execFileSync(CODE_SERVER, ['--user-data-dir', path.join(run, 'ud'), '--extensions-dir', path.join(run, 'ext'), '--install-extension', vsix],
    { env: env(run, extra), stdio: 'pipe' });
}

export async function startCodeServer(run: string, port: number, settings: Record<string, unknown>, extra: NodeJS.ProcessEnv = {}): Promise<CodeServer> {
  const workspace = path.join(run, 'ws');
  for (const d of ['ud/User', 'ext', 'ws', 'xdg/config', 'xdg/data', 'xdg/cache']) fs.mkdirSync(path.join(run, d), { recursive: true });
  fs.writeFileSync(path.join(run, 'ud', 'User', 'settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...settings }, null, 2));
  // Settings of 'machine' scope (the receiver's ports) are read from the remote machine's settings
  // in code-server's windows, not the user's: write them there too.
  fs.mkdirSync(path.join(run, 'ud', 'Machine'), { recursive: true });
  fs.writeFileSync(path.join(run, 'ud', 'Machine', 'settings.json'), JSON.stringify(settings, null, 2));
  if (!fs.existsSync(path.join(workspace, 'README.md'))) fs.writeFileSync(path.join(workspace, 'README.md'), '# e2e workspace\n');
  const e = env(run, extra);
  const log = fs.openSync(path.join(run, 'code-server.log'), 'a');
  const child = spawn(CODE_SERVER, ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', '--user-data-dir', path.join(run, 'ud'), '--extensions-dir', path.join(run, 'ext'), workspace],
  { detached: true, stdio: ['ignore', log, log], env: e });
  const forget = reap(child.pid, true);
  const stop = async () => {
    try { process.kill(-child.pid!, 'SIGTERM'); } catch { forget(); return; }
    for (let i = 0; i < 40; i++) {
      try { process.kill(-child.pid!, 0); } catch { forget(); return; }
      await new Promise((r) => setTimeout(r, 250));
    }
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    forget();
  };
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`code-server exited: ${fs.readFileSync(path.join(run, 'code-server.log'), 'utf8').slice(-2000)}`);
    try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return { port, run, workspace, env: e, child, stop }; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error('code-server did not come up in 30 s');
}

/** Opens the workbench and waits until it has restored. */
export async function openWorkbench(page: Page, cs: CodeServer): Promise<void> {
  await page.goto(`http://127.0.0.1:${cs.port}/?folder=${encodeURIComponent(cs.workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('#workbench\\.parts\\.statusbar').waitFor({ timeout: 60_000 });
}

/** Runs a command from the palette by its title (retrying while extensions register). */
export async function runCommand(page: Page, title: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input.input');
    // The row whose label is exactly the command (the fuzzy match may rank a longer title first).
    const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
    try {
      // A page that takes the focus as it opens (a walkthrough, a webview) can close the palette under us: tried again.
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      await input.fill(`>${title}`, { timeout: 3000 });
      await row.waitFor({ state: 'visible', timeout: 2000 });
      await row.click();
      return;
    } catch {
      await page.keyboard.press('Escape');
      if (attempt >= 30) throw new Error(`command not in the palette: ${title}`);
      await page.waitForTimeout(500);
    }
  }
}

/** The content of the (one) webview panel: two frames deep. */
export function webviewFrame(page: Page) {
  // The one in sight: a run tab behind another keeps its webview, hidden.
  return page.frameLocator('iframe.webview.ready:visible').frameLocator('iframe#active-frame');
}
