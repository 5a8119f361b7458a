// A run of 1,000,000 spans (the real SDK: an agent and 999,999 steps, 50 ms apart, 14 hours of run
// time) opens in Chromium: its top is drawn while the rest is still arriving (the status counts
// the spans in so far), and once it is in, every row can be reached: the run has every span the
// test sent, and rows picked across it, scrolled to, are the steps the test made there, in order.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnServer, killServers } from '../helpers/server';
import { browserSkipReason, openBrowser } from '../helpers/browser';
import { longRunBodies } from '../helpers/syntheticRuns';

after(() => killServers());

const STEPS = 999_999;
const skip = browserSkipReason() || false;

test('a 1,000,000-span run opens in Chromium as it arrives, and every row can be reached', { skip, timeout: 900_000 }, async () => {
  const srv = await spawnServer(['--no-persist', '--http-port', '0', '--grpc-port', '0', '--max-memory-mb', '6144']);
  const run = longRunBodies(STEPS, {}, 20_000);
  for (const body of run.bodies) {
    const res = await fetch(`http://127.0.0.1:${srv.ready.httpPort}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(body) });
    assert.equal(res.status, 200, await res.text());
  }
  run.bodies.length = 0;
  const browser = await openBrowser({ height: 900 });
  try {
    const { page } = browser;
    await page.goto(`http://127.0.0.1:${srv.ready.httpPort}/?token=${srv.ready.token}`);
    await page.waitForSelector('.conn.connected');
    // What the status said when the first rows were on screen, and when the run was all in.
    await page.evaluate(() => {
      const w = window as unknown as { firstSeen?: { rows: number; status: string } };
      const look = () => {
        const rows = document.querySelectorAll('.rows-layer .row').length;
        if (rows > 0 && !w.firstSeen) w.firstSeen = { rows, status: document.querySelector('.run-status')?.textContent ?? '' };
        else if (!w.firstSeen) requestAnimationFrame(look);
      };
      requestAnimationFrame(look);
    });
    await page.evaluate((id) => { location.hash = `#/run/${id}`; }, run.traceId);
    await page.waitForSelector('.run-view[data-ready]', { timeout: 600_000 });
    const first = await page.evaluate(() => (window as unknown as { firstSeen?: { rows: number; status: string } }).firstSeen);
    assert.ok(first, 'rows were drawn');
    const m = /loading… ([\d,]+) of ([\d,]+) spans/.exec(first.status);
    assert.ok(m, `the status while the first rows were on screen: "${first.status}"`);
    assert.equal(Number(m[2]!.replaceAll(',', '')), STEPS + 1);
    assert.ok(Number(m[1]!.replaceAll(',', '')) < STEPS + 1, `the first rows were drawn with ${m[1]} of ${m[2]} spans in`);

    // All in: every span, and the rows the run view shows are the steps, in the order they ran.
    const shown = await page.evaluate(() => {
      const v = (window as unknown as { agentLensRun: { model: { spanCount: number } } }).agentLensRun;
      return { spans: v.model.spanCount, size: Number(document.querySelector('.rows-layer .row')?.getAttribute('aria-setsize')) };
    });
    assert.deepEqual(shown, { spans: STEPS + 1, size: STEPS + 1 });
    for (const k of [0, 1, 4_321, 500_000, 987_654, STEPS - 1]) {
      await page.evaluate((top) => { document.querySelector<HTMLElement>('.rows')!.scrollTop = top; }, (k + 1) * 24);
      const id = run.steps[k]!.spanId;
      await page.waitForSelector(`.row[data-id="${id}"]`, { timeout: 10_000 });
      const pos = await page.getAttribute(`.row[data-id="${id}"]`, 'aria-posinset');
      assert.equal(Number(pos), k + 2, `step ${k} is row ${k + 2}`);
    }
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
  assert.equal(srv.child.exitCode, null);
});
