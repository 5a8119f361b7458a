// Pausing the live agent, seen from the run view (issue 25): while a debugger holds a call of a
// run, the run's view in a real Chromium says which call waits, before what and where; when the
// call goes on, the line goes. The app is a real one (test/helpers/liveApp.ts: the openai SDK
// under the official instrumentation) with the capture helper's gate, against the mock model; the
// "debugger" is an editor attached through the receiver's feed. The truth: the pause the editor
// heard, and the run as the receiver recorded it.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { WebSocket } from 'ws';
import { startTestServer, api, waitFor } from '../helpers/server';
import { browserSkipReason, openBrowser, type Browser } from '../helpers/browser';
import { startMockModel, type MockModel } from '../../src/demo/mockModel';
import { LIVE_APP } from '../helpers/liveApp';
import type { RunningServer } from '../../src/server/server';
import type { LivePause, ServerMessage, TraceResponse } from '../../src/protocol';

const skip = browserSkipReason() || false;
const ROOT = path.join(__dirname, '..', '..');
let server: RunningServer;
let mock: MockModel;
let browser: Browser;

before(async () => {
  if (skip) return;
  server = await startTestServer({ dataDir: null });
  mock = await startMockModel();
  browser = await openBrowser();
});
after(async () => {
  if (skip) return;
  await browser.close();
  await mock.close();
  await server.close();
});

test('a run view says which of its calls a debugger holds (model call gpt-4o-mini, agent live-agent, the app\'s pid) while it waits, and stops saying it when the call goes on', { skip }, async () => {
  const { page, errors } = browser;
  const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/ws?token=${server.token}`);
  const heard: ServerMessage[] = [];
  ws.on('message', (d) => heard.push(JSON.parse(String(d)) as ServerMessage));
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  ws.send(JSON.stringify({ type: 'live', breakpoints: { tools: [], models: [LIVE_APP.model] } }));
  const answered = new Set<string>();
  const nextPause = () => waitFor('a pause', () => {
    const m = heard.filter((x) => x.type === 'live').pop() as Extract<ServerMessage, { type: 'live' }> | undefined;
    const p = m?.pauses.find((x) => !answered.has(x.pauseId));
    if (p) answered.add(p.pauseId);
    return p;
  }, 30_000);
  const resume = (p: LivePause) => ws.send(JSON.stringify({ type: 'resume', pauseId: p.pauseId, processId: p.process.id }));

  const child = spawn(process.execPath, [path.join(ROOT, 'dist-test', 'helpers', 'liveApp.js'), `http://127.0.0.1:${server.httpPort}`, mock.url], {
    env: { ...process.env, NODE_OPTIONS: `--require ${path.join(ROOT, 'dist', 'capture-node.js')}`, AGENT_LENS_LIVE_URL: `ws://127.0.0.1:${server.httpPort}/live`, AGENT_LENS_TOKEN: server.token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '', err = '';
  child.stdout.on('data', (d) => { out += String(d); });
  child.stderr.on('data', (d) => { err += String(d); });
  const done = new Promise<number | null>((r) => child.once('close', r));
  try {
    // The first model call goes on; the second waits (by then the run has its first call and tools).
    resume(await nextPause());
    const second = await nextPause();
    const traceId = second.step.traceId!;
    assert.match(traceId, /^[0-9a-f]{32}$/);
    await waitFor('the run so far', async () => {
      const r = await api(server)<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
      return r && r.spans.some((s) => s.genai?.kind === 'tool') ? r : undefined;
    });
    await page.goto(`http://127.0.0.1:${server.httpPort}/?token=${server.token}#/run/${traceId}`);
    await page.waitForSelector('.run-view[data-ready]');
    const banner = page.locator('.paused-banner');
    await banner.waitFor({ state: 'visible' });
    const text = (await banner.textContent())!;
    assert.match(text, new RegExp(`Paused in the debugger before model call ${LIVE_APP.model} runs \\(agent live-agent\\) · \\S+ \\(pid ${child.pid}\\)`));
    assert.equal(await banner.getAttribute('role'), 'status');
    // The model has not been asked the second time.
    const asked = mock.requests.length;
    resume(second);
    await banner.waitFor({ state: 'hidden' });
    assert.equal(await done, 0, err);
    assert.equal(mock.requests.length, asked + 1);
    assert.match(out, /TOOL get_weather/);
    // The call that waited is in the run now, with the span the pause named.
    await waitFor('the second model call', async () => {
      const r = await api(server)<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
      return r?.spans.some((s) => s.spanId === second.step.spanId && s.genai?.kind === 'llm') ? r : undefined;
    });
    assert.deepEqual(errors, []);
  } finally {
    ws.close();
    child.kill();
  }
});
