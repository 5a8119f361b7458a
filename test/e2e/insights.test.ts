// The insights in a real Chromium: a captured three-turn LangGraph conversation. The runs list
// flags its token creep; its view shows each turn's input tokens (the mock model's, summed per
// turn from capture.json) as bars against the first turn, says by how much it grew and what grew,
// and opens a turn's run.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server';
import { browserSkipReason, openBrowser, type Browser } from '../helpers/browser';
import { postCapture, truthOf } from '../helpers/captures';
import type { RunningServer } from '../../src/server/server';

const skip = browserSkipReason() || false;
let server: RunningServer;
let browser: Browser;

before(async () => {
  if (skip) return;
  server = await startTestServer({ dataDir: null });
  browser = await openBrowser();
  await postCapture('langgraph', server.httpPort);
  await postCapture('orphan-threadpool', server.httpPort);
});
after(async () => {
  if (skip) return;
  await browser.close();
  await server.close();
});

test('a creeping conversation: flagged in the runs list, its turns charted against the first, what grew, a turn opens its run', { skip }, async () => {
  const truth = truthOf('langgraph');
  const id = truth.conversation_id_passed!;
  const perTurn = truth.turns.map((t) => t.model_calls.reduce((n, c) => n + c.usage.input, 0));
  const ratio = Math.max(...perTurn.slice(1)) / perTurn[0]!;
  const { page } = browser;
  await page.goto(`http://127.0.0.1:${server.httpPort}/?token=${server.token}`);
  const chip = page.locator('.conv-chip.creep', { hasText: id }).first();
  await chip.waitFor({ timeout: 15_000 });
  assert.match(await chip.textContent() ?? '', new RegExp(`${truth.turns.length} turns ⚠ ×${ratio.toFixed(1)}`));
  await chip.click();
  const view = page.locator('.conversation-view[data-ready]');
  await view.waitFor({ timeout: 15_000 });
  const bars = await view.locator('.bar-turn').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-input')), e.classList.contains('over')]));
  assert.deepEqual(bars, perTurn.map((v, i) => [v, i > 0 && v >= perTurn[0]! * 2]));
  const banner = await view.locator('.creep-banner').textContent() ?? '';
  assert.match(banner, new RegExp(`input ×${ratio.toFixed(1)}`));
  assert.match(banner, /What grew: .*history \d+ → [\d.]+k? characters/);
  assert.deepEqual(await view.locator('td[data-tokens="input"]').allTextContents(), perTurn.map(String));
  // A turn opens its run.
  await view.locator('tbody tr').nth(1).click();
  await page.locator('.run-view[data-ready]').waitFor({ timeout: 15_000 });
  await page.locator('.stat button.link', { hasText: id }).click();
  await page.locator('.conversation-view[data-ready]').waitFor({ timeout: 15_000 });
});

test('an orphaned tool run says where it belongs and why; that run shows it stitched in, marked, with its details', { skip }, async () => {
  const truth = truthOf('orphan-threadpool');
  const turn = truth.turns.find((t) => t.tool_calls.some((c) => c.name === 'issue_refund'))!;
  const call = turn.tool_calls.find((c) => c.name === 'issue_refund')!;
  const parent = (turn as unknown as { app_agent_span: { trace_id: string; span_id: string } }).app_agent_span;
  const { page } = browser;
  await page.goto(`http://127.0.0.1:${server.httpPort}/?token=${server.token}#/run/${call.active_span_in_tool!.trace_id}`);
  const banner = page.locator('.orphan-banner');
  await banner.waitFor({ timeout: 15_000 });
  assert.match(await banner.textContent() ?? '', /This run looks like a piece of another run \(high confidence\): execute_tool issue_refund probably ran inside invoke_agent .*tool call id call_/);
  assert.match(await banner.textContent() ?? '', /ThreadPoolExecutor/);
  await banner.locator('button', { hasText: 'Open that run with this stitched in' }).click();
  await page.waitForURL(new RegExp(`#/run/${parent.trace_id}/stitched`));
  // Both refund attempts of that turn (the first failed, the retry went through) are stitched in.
  assert.equal(turn.tool_calls.filter((c) => c.name === 'issue_refund').length, 2);
  await page.locator('.row.stitched', { hasText: 'execute_tool issue_refund' }).nth(1).waitFor({ timeout: 15_000 });
  const row = page.locator(`#row-${call.active_span_in_tool!.span_id}.stitched`);
  await row.waitFor({ timeout: 15_000 });
  // Under the agent: one level deeper than the agent's row.
  const agentLevel = Number(await page.locator('.row.k-agent').first().getAttribute('aria-level'));
  assert.equal(Number(await row.getAttribute('aria-level')), agentLevel + 1);
  await row.click();
  await page.locator('.detail[data-loaded]', { hasText: 'issue_refund' }).waitFor({ timeout: 15_000 });
  await page.locator('.orphan-banner button', { hasText: 'Show the run as recorded' }).click();
  await page.locator('.run-view[data-ready]').waitFor();
  await page.waitForURL(new RegExp(`#/run/${parent.trace_id}$`));
  await page.locator('.orphan-banner button', { hasText: 'Show them stitched in' }).waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('.row.stitched').count(), 0);
});
