// The insights in a real Chromium: a captured three-turn LangGraph conversation. The runs list
// flags its token creep; its view shows each turn's input tokens (the mock model's, summed per
// turn from capture.json) as bars against the first turn, says by how much it grew and what grew,
// and opens a turn's run.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { startTestServer, api, waitFor } from '../helpers/server';
import { tracerProvider } from '../helpers/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { fmtTokens } from '../../src/format';
import type { ConversationResponse, Feedback } from '../../src/protocol';
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
  assert.match(banner, /What grew per model call: .*history \d+ → [\d.]+k? characters/);
  // More model calls in the peak turn than in the first, from the truth's own count.
  const calls = truth.turns.map((t) => t.model_calls.length), peakTurn = perTurn.indexOf(Math.max(...perTurn.slice(1)));
  if (calls[peakTurn] !== calls[0]) assert.match(banner, new RegExp(`Turn ${peakTurn + 1} made ${calls[peakTurn]} model calls, turn 1 ${calls[0]}\\.`));
  assert.deepEqual(await view.locator('td[data-tokens="input"]').allTextContents(), perTurn.map(String));
  if (process.env.AGENT_LENS_UPDATE_DOCS) await page.screenshot({ path: path.join(__dirname, '..', '..', 'docs', 'conversation.png') });
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
  // The runs list marks the piece, naming the run it belongs in; a click opens that run. The run counts its pieces.
  await page.goto(`http://127.0.0.1:${server.httpPort}/?token=${server.token}#/`);
  const pieceRow = page.locator(`tr[data-id="${call.active_span_in_tool!.trace_id}"]`);
  await pieceRow.waitFor({ timeout: 15_000 });
  const chip = pieceRow.locator('.orphan-chip');
  assert.match(await chip.textContent() ?? '', /^⇢ orphaned, likely from /);
  const pieces = truth.turns.filter((t) => (t as unknown as { app_agent_span: { trace_id: string } }).app_agent_span.trace_id === parent.trace_id).flatMap((t) => t.tool_calls).length;
  assert.match(await page.locator(`tr[data-id="${parent.trace_id}"] .orphan-count`).textContent() ?? '', new RegExp(`${pieces} orphaned step`));
  await chip.click();
  await page.waitForURL(new RegExp(`#/run/${parent.trace_id}$`));
});

test('quality: failed evaluations flag a run in the list, show on its step; thumbs down with a comment is kept', { skip }, async () => {
  // A model call judged by an evaluator (span events, as the conventions send them).
  const { provider, tracer } = tracerProvider('judged-ui', [new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
  const llm = tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 50, 'gen_ai.usage.output_tokens': 5 } });
  llm.addEvent('gen_ai.evaluation.result', { 'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.label': 'irrelevant', 'gen_ai.evaluation.score.value': 0.1 });
  llm.addEvent('gen_ai.evaluation.result', { 'gen_ai.evaluation.name': 'tone', 'gen_ai.evaluation.score.label': 'pass', 'gen_ai.evaluation.score.value': 0.8 });
  llm.end();
  await provider.forceFlush();
  await provider.shutdown();
  const traceId = llm.spanContext().traceId;
  const { page } = browser;
  await page.goto(`http://127.0.0.1:${server.httpPort}/?token=${server.token}`);
  await page.locator('select[aria-label="Status"]').selectOption('bad');
  const row = page.locator(`tr[data-id="${traceId}"]`);
  await row.waitFor({ timeout: 15_000 });
  assert.match(await row.textContent() ?? '', /✗ 1 eval/);
  await waitFor('only the run with a failed evaluation', async () => (await page.locator('tbody tr').count()) === 1 || undefined);
  await row.click();
  await page.locator('.row.k-llm').first().click();
  const evals = page.locator('.detail .evals');
  await evals.waitFor({ timeout: 15_000 });
  assert.deepEqual(await evals.locator('li.failed strong').allTextContents(), ['relevance']);
  assert.deepEqual(await evals.locator('li:not(.failed) strong').allTextContents(), ['tone']);
  await page.locator('.detail .feedback-comment').fill('off topic');
  await page.locator('.detail .thumb.down').click();
  await page.locator('.detail .feedback-list li', { hasText: 'off topic' }).waitFor({ timeout: 15_000 });
  const kept = await api(server)<{ feedback: Feedback[] }>(`/api/traces/${traceId}/feedback`);
  assert.deepEqual(kept.feedback.map((f) => [f.value, f.spanId, f.comment, f.source]), [['down', llm.spanContext().spanId, 'off topic', 'ui']]);
  // The thumbs are drawn (SVG), not emoji that a system without an emoji font shows as boxes.
  assert.equal(await page.locator('.detail .thumb svg').count(), 2);
  assert.doesNotMatch(await page.locator('.detail .feedback').textContent() ?? '', /[\u{1F44D}\u{1F44E}]/u);
});

test('feedback: a comment typed after the thumb is sent (Enter, or leaving the field), and a changed thumb replaces the verdict; what the receiver keeps is what the page says', { skip }, async () => {
  const { provider, tracer } = tracerProvider('feedback-ui', [new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
  const llm = tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 50, 'gen_ai.usage.output_tokens': 5 } });
  llm.end();
  await provider.forceFlush();
  await provider.shutdown();
  const traceId = llm.spanContext().traceId, spanId = llm.spanContext().spanId;
  const kept = async () => (await api(server)<{ feedback: Feedback[] }>(`/api/traces/${traceId}/feedback`)).feedback.map((f) => [f.value, f.comment ?? null]);
  const { page } = browser;
  await page.goto(`http://127.0.0.1:${server.httpPort}/?token=${server.token}#/run/${traceId}/${spanId}`);
  const fb = page.locator('.detail .feedback');
  await fb.waitFor({ timeout: 15_000 });
  await fb.locator('.thumb.up').click();
  await fb.locator('[role=status]', { hasText: 'saved' }).waitFor();
  await waitFor('the thumb kept', async () => JSON.stringify(await kept()) === JSON.stringify([['up', null]]) || undefined);
  // Typed after the thumb, then Enter.
  await fb.locator('.feedback-comment').fill('answered the wrong city');
  assert.match(await fb.locator('[role=status]').textContent() ?? '', /press Enter to add the comment/);
  await fb.locator('.feedback-comment').press('Enter');
  await fb.locator('.feedback-list li', { hasText: 'answered the wrong city' }).waitFor({ timeout: 15_000 });
  await waitFor('the comment kept with the thumb', async () => JSON.stringify(await kept()) === JSON.stringify([['up', 'answered the wrong city']]) || undefined);
  // A changed thumb: one verdict, the comment still with it.
  await fb.locator('.thumb.down').click();
  await waitFor('the changed verdict', async () => JSON.stringify(await kept()) === JSON.stringify([['down', 'answered the wrong city']]) || undefined);
  await fb.locator('.thumb.down[aria-pressed="true"]').waitFor();
  // Typed, then the field left (a click elsewhere): added too.
  await fb.locator('.feedback-comment').fill('and twice as slow');
  await page.locator('.detail').click({ position: { x: 2, y: 2 } });
  await waitFor('the comment added on leaving the field', async () => JSON.stringify(await kept()) === JSON.stringify([['down', 'and twice as slow']]) || undefined);
  await fb.locator('.feedback-list li', { hasText: 'and twice as slow' }).waitFor({ timeout: 15_000 });
  assert.equal(await fb.locator('.feedback-list li').count(), 1, 'the list shows the one verdict kept');
});

test('run diff: turn 2 of the conversation against turn 1, from the conversation view and from two ticked runs', { skip }, async () => {
  const truth = truthOf('langgraph');
  const perTurn = truth.turns.map((t) => t.model_calls.reduce((n, c) => n + c.usage.input, 0));
  const { page } = browser;
  await page.goto(`http://127.0.0.1:${server.httpPort}/?token=${server.token}#/conversation/${encodeURIComponent(truth.conversation_id_passed!)}`);
  await page.locator('.conversation-view[data-ready] .compare-prev', { hasText: 'diff with turn 1' }).click();
  const view = page.locator('.diff-view[data-ready]');
  await view.waitFor({ timeout: 15_000 });
  assert.match(await view.locator('.diff-totals').textContent() ?? '', new RegExp(`^input \\+${fmtTokens(perTurn[1]! - perTurn[0]!).replace('.', '\\.')} `));
  await view.locator('tr.diff-added', { hasText: 'tool issue_refund' }).first().waitFor();
  await view.locator('.text-diff .td-add', { hasText: truth.turns[1]!.user.slice(0, 40) }).first().waitFor();
  // Two runs ticked in the list.
  const conv = await api(server)<ConversationResponse>(`/api/conversations/${encodeURIComponent(truth.conversation_id_passed!)}`);
  await page.goto(`http://127.0.0.1:${server.httpPort}/?token=${server.token}#/`);
  await page.locator('select[aria-label="Status"]').selectOption('');
  // Ticked newest first, as the list shows them: the earlier run is A all the same, so B − A reads as what changed since.
  for (const t of [conv.turns[2]!, conv.turns[0]!]) await page.locator(`input.pick[data-id="${t.traceId}"]`).check();
  await page.locator('.compare-btn').click();
  await page.waitForURL(new RegExp(`#/diff/${conv.turns[0]!.traceId}/${conv.turns[2]!.traceId}$`));
  const diff = page.locator('.diff-view[data-ready]');
  await diff.waitFor({ timeout: 15_000 });
  assert.match(await diff.locator('.diff-order').textContent() ?? '', /A is the earlier run/);
  const sign = perTurn[2]! >= perTurn[0]! ? '\\+' : '−';
  assert.match(await diff.locator('.diff-totals').textContent() ?? '', new RegExp(`^input ${sign}${fmtTokens(Math.abs(perTurn[2]! - perTurn[0]!)).replace('.', '\\.')} `));
  // A tool step has no model cost of its own: said so, not "?".
  const toolRow = diff.locator('tr', { hasText: 'tool lookup_order' }).first();
  assert.match(await toolRow.textContent() ?? '', /no model cost/);
  assert.doesNotMatch(await diff.locator('.diff-steps').textContent() ?? '', /\?/);
  // Swapped on request.
  await diff.locator('button.swap').click();
  await page.waitForURL(new RegExp(`#/diff/${conv.turns[2]!.traceId}/${conv.turns[0]!.traceId}$`));
  await page.locator('.diff-view[data-ready] .diff-order', { hasText: 'A is the later run' }).waitFor({ timeout: 15_000 });
});
