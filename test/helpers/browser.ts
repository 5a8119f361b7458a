// Debian's Chromium driven by playwright-core, headless, with a fresh profile. Nothing is
// downloaded: where /usr/bin/chromium is missing the browser tests skip, saying why (and fail
// under CI=true, where .ci/run installs it).
import * as fs from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tmpDir } from './server';

export const CHROMIUM = process.env.AGENT_LENS_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or '' when they can. */
export function browserSkipReason(): string {
  if (fs.existsSync(CHROMIUM)) return '';
  const why = `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set AGENT_LENS_CHROMIUM)`;
  if (process.env.CI) throw new Error(`${why}: CI must run the browser tests`);
  return why;
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser { context: BrowserContext; page: Page; errors: string[]; close(): Promise<void> }

export async function openBrowser(opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark'; args?: string[] } = {}): Promise<Browser> {
  const context = await chromium.launchPersistentContext(tmpDir('al-chromium-'), {
    executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...(opts.args ?? [])], headless: true,
    viewport: { width: opts.width ?? 1400, height: opts.height ?? 860 }, colorScheme: opts.colorScheme ?? 'light',
  });
  const page = context.pages()[0] ?? await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  return { context, page, errors, close: () => context.close() };
}
