// Takes the README's screenshot of a real run: a server process, `npm run demo`'s two runs, and
// the browser UI in Debian's Chromium. Run by hand: node dist-test/helpers/screenshot.js [out.png] [dark]
import { spawn, execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { openBrowser } from './browser';
import { tmpDir } from './server';

(async () => {
  const out = process.argv[2] ?? path.join(__dirname, '..', '..', 'docs', 'run-view.png');
  const dark = process.argv[3] === 'dark';
  const root = path.join(__dirname, '..', '..');
  const child = spawn(process.execPath, [path.join(root, 'dist', 'cli.js'), 'serve', '--json', '--http-port', '0', '--grpc-port', '0', '--data-dir', tmpDir(), '--token', 'shot'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = JSON.parse(await new Promise<string>((r) => readline.createInterface({ input: child.stdout! }).once('line', r))) as { httpPort: number };
  const base = `http://127.0.0.1:${ready.httpPort}`;
  // As `npm run demo` runs it: under the call-site helper.
  execFileSync(process.execPath, ['--require', path.join(root, 'dist', 'capture-node.js'), path.join(root, 'dist', 'demo.js')], { env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: base }, stdio: 'inherit' });
  const b = await openBrowser({ width: 1440, height: 900, colorScheme: dark ? 'dark' : 'light' });
  await b.page.goto(`${base}/?token=shot`);
  // The second turn: the booking, with a failed tool call and its retry.
  await b.page.locator('tr[data-id]').first().click();
  await b.page.waitForSelector('.run-view[data-ready]');
  await b.page.locator('.row.k-llm').first().click();
  await b.page.waitForSelector('.detail[data-loaded] .msg.output');
  await b.page.evaluate(() => { document.querySelector('.detail')!.scrollTop = 0; });
  await b.page.waitForTimeout(200);
  await b.page.screenshot({ path: out });
  console.log(`saved ${out}`);
  await b.close();
  child.kill();
})();
