// The browser UI end to end: a real server, a real agent run (official OpenAI instrumentation,
// OTLP/protobuf) against the mock model, and Debian's Chromium. The run must appear live, open,
// walk with the keyboard, and show the transcript, tool arguments, tokens and cost; search must
// find it by a tool argument; a child that arrives before its parent sits under a placeholder
// that resolves when the parent comes.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { trace, context as otelContext } from '@opentelemetry/api';
import { TracerProvider, SimpleSpanProcessor, BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startTestServer, api, waitFor } from '../helpers/server';
import { browserSkipReason, openBrowser, type Browser } from '../helpers/browser';
import { startMockModel, type MockModel, TOOL_ARGS } from '../../src/demo/mockModel';
import { AGENT } from '../helpers/agentRun';
import type { RunningServer } from '../../src/server/server';
import { treeSpans, type TraceResponse, type TraceTreeResponse } from '../../src/protocol';
import { calcPrice } from '@pydantic/genai-prices';

const skip = browserSkipReason() || false;
let server: RunningServer;
let mock: MockModel;
let browser: Browser;
const url = () => `http://127.0.0.1:${server.httpPort}/?token=${server.token}`;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  mock = await startMockModel();
  browser = await openBrowser();
});
after(async () => {
  if (skip) return;
  await browser.close();
  await mock.close();
  await server.close();
});

/** Runs the agent; its trace id, and its first start and last end as the SDK stamped them. */
const AGENT_APP = path.join(__dirname, '..', 'helpers', 'agentRun.js');

async function agentRunTimed(): Promise<{ traceId: string; startNs: string; endNs: string }> {
  // Under the call-site helper, as an app started from the editor is.
  const { stdout } = await promisify(execFile)(process.execPath,
    [AGENT_APP, 'otel', `http://127.0.0.1:${server.httpPort}`, mock.url],
    { timeout: 60_000, env: { ...process.env, NODE_OPTIONS: `--require ${path.join(__dirname, '..', '..', 'dist', 'capture-node.js')}` } });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { traceId: string; startNs: string; endNs: string };
}


test('a live agent run: appears, opens, walks by keyboard, shows transcript, tool arguments, tokens and cost', { skip }, async () => {
  const { page, errors } = browser;
  await page.goto(url());
  await page.waitForSelector('.conn.connected');
  assert.match(await page.textContent('.list-info') ?? '', /No runs yet/);

  // The run is sent while the page is open: it must appear without a reload.
  const from = mock.usages.length;
  const { traceId, startNs, endNs } = await agentRunTimed();
  const row = page.locator(`tr[data-id="${traceId}"]`);
  await row.waitFor();
  await waitFor('the run to be complete in the list', async () => (await row.locator('td').nth(4).textContent()) === '5' || undefined);
  const usages = mock.usages.slice(from);
  const input = usages.reduce((a, u) => a + u.prompt_tokens, 0), output = usages.reduce((a, u) => a + u.completion_tokens, 0);
  assert.equal(await row.locator('td').nth(6).textContent(), `${input} → ${output}`);

  // Open it with the keyboard: the list has focus on its first row.
  await row.focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('.run-view[data-ready]');
  assert.equal(await page.locator('.row').count(), 5);
  // The header's figures against truths from outside: the SDK's span times (a run under ten
  // seconds reads "N ms" or "N.NN s"), the mock's usage, and genai-prices for the cost.
  const header = await page.textContent('.run-header') ?? '';
  const trueMs = Number(BigInt(endNs) - BigInt(startNs)) / 1e6;
  const shown = /duration(\d+(?:\.\d+)?) (ms|s)/.exec(header);
  assert.ok(shown, header);
  const shownMs = Number(shown[1]) * (shown[2] === 's' ? 1000 : 1);
  assert.ok(Math.abs(shownMs - trueMs) <= (shown[2] === 's' ? 5 : 0.5), `header ${shown[0]} vs the SDK's ${trueMs} ms`);
  assert.ok(header.includes(`tokens in → out${input} → ${output}`), header);
  const cost = usages.reduce((a, u) => a + calcPrice({ input_tokens: u.prompt_tokens, output_tokens: u.completion_tokens }, 'gpt-4o-mini', { providerId: 'openai' })!.total_price, 0);
  const shownCost = /cost\$(\d+\.\d+)/.exec(header);
  assert.ok(shownCost && Math.abs(Number(shownCost[1]) - cost) < 0.00005, `header cost ${shownCost?.[1]} vs genai-prices ${cost}`);
  const names = await page.locator('.row .name').allTextContents();
  assert.equal(names[0], `invoke_agent ${AGENT.name}`);
  assert.deepEqual(await page.locator('.row .badge').allTextContents(), ['agent', 'LLM', 'tool', 'tool', 'LLM']);

  // Walk: the tree has focus; Down selects the first row, then the first model call.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.querySelector('.row.selected .badge')?.textContent === 'LLM');
  const llmId = await page.getAttribute('.row.selected', 'data-id');
  assert.equal(await page.getAttribute('.rows', 'aria-activedescendant'), `row-${llmId}`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.detail[data-loaded="${llmId}"]`);
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'detail');
  const detail = page.locator('.detail');
  // Where it was made: the app's create(...) line (read from its source), as text to copy in a browser tab.
  const createLine = fs.readFileSync(AGENT_APP, 'utf8').split('\n').findIndex((l) => l.includes('client.chat.completions.create(')) + 1;
  assert.match(await detail.locator('.d-source').textContent() ?? '', new RegExp(`^Source: agentRun\\.js:${createLine}( \\S+)?copy from the span's code attributes`));
  assert.match(await detail.locator('.role-system').textContent() ?? '', new RegExp(AGENT.system.slice(0, 30)));
  assert.match(await detail.locator('.msg.role-user').first().textContent() ?? '', /Plan a weekend in Lisbon/);
  // Both tool calls with their arguments, linked to the spans that ran them.
  const calls = detail.locator('.part.tool-call');
  assert.equal(await calls.count(), 2);
  const callText = await calls.first().textContent() ?? '';
  assert.match(callText, /get_weather/);
  for (const [k, v] of Object.entries(TOOL_ARGS.get_weather!)) assert.match(callText, new RegExp(`${k}: "${v}"`));
  assert.match(callText, /ran in/);
  // Tokens and cost equal the mock's usage and the price table.
  assert.equal(await detail.locator('[data-tokens="input"]').textContent(), String(usages[0]!.prompt_tokens));
  assert.equal(await detail.locator('[data-tokens="output"]').textContent(), String(usages[0]!.completion_tokens));
  const expected = calcPrice({ input_tokens: usages[0]!.prompt_tokens, output_tokens: usages[0]!.completion_tokens }, AGENT.model, { providerId: 'openai' })!.total_price;
  assert.ok(Math.abs(Number(await detail.locator('[data-cost]').getAttribute('data-cost')) - expected) < 1e-12, 'the call\'s cost is the price library\'s');

  // Escape goes back to the tree; following a tool-call link opens the tool span with its arguments.
  await page.keyboard.press('Escape');
  await calls.first().locator('button.link').click();
  await page.waitForFunction(() => document.querySelector('.row.selected .badge')?.textContent === 'tool');
  await page.waitForSelector('.detail .tool-args');
  assert.match(await page.textContent('.detail .tool-args') ?? '', /city: "Lisbon"/);
  assert.match(await page.textContent('.detail .tool-result') ?? '', /sunny/);

  // ArrowLeft goes to the parent (the agent); ArrowLeft again collapses it.
  await page.locator('.rows').focus();
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() => document.querySelector('.row.selected .badge')?.textContent === 'agent');
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() => document.querySelectorAll('.row').length === 1);
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelectorAll('.row').length === 5);

  // Find in run: a tool argument value (content, searched by the server) marks the tool span.
  await page.keyboard.press('/');
  await page.keyboard.type('2026-12-04');
  // It is in the first call's output, the tool span, and the second call's input: three steps.
  await page.waitForFunction(() => /^1 of \d+$/.test(document.querySelector('.find-info')?.textContent ?? ''));
  const matched = await page.locator('.row.match .badge').allTextContents();
  assert.deepEqual(matched, ['LLM', 'tool', 'LLM']);
  assert.match(await page.locator('.row.match').nth(1).textContent() ?? '', /search_flights/);
  assert.equal(await page.textContent('.find-info'), '1 of 3');
  // The first match's detail marks the text where it is (the tool call the model asked for).
  await page.locator('.detail[data-loaded] mark.find-hit').first().waitFor({ timeout: 15_000 });
  assert.ok((await page.locator('.detail mark.find-hit').allTextContents()).every((t) => t === '2026-12-04'));

  // The run list's full-text search finds the run by the same argument, and not by nonsense.
  // The list's load is held until the search is typed: once listed, its rows must not take the
  // focus (and the keys after it) from the search box the user went to meanwhile.
  let release!: () => void;
  const held = new Promise<void>((r) => { release = r; });
  const listUrl = (u: URL) => u.pathname === '/api/traces';
  await page.route(listUrl, async (r) => { await held; await r.continue().catch(() => undefined); });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Backspace');
  await page.waitForSelector('table.runs');
  await page.keyboard.press('/');
  // (Typed once the search box has the focus '/' gives it: a key typed before would go elsewhere.)
  await page.waitForFunction(() => document.activeElement?.matches('input.search') === true);
  await page.keyboard.type('2026-12');
  const answered = page.waitForResponse((r) => listUrl(new URL(r.url())));
  release();
  await answered;
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
  await page.unroute(listUrl);
  await page.keyboard.type('-04');
  assert.equal(await page.inputValue('input.search'), '2026-12-04');
  await page.waitForFunction((id) => document.querySelectorAll('tr[data-id]').length === 1 && !!document.querySelector(`tr[data-id="${id}"]`), traceId);
  // It says where it found it, and opens there: a span whose content holds the text (the test's
  // own scan of the run's raw attributes says which do).
  const full = await api(server)<TraceResponse>(`/api/traces/${traceId}`);
  const raw = (id: string) => JSON.stringify(full.spans.find((s) => s.spanId === id)!.attributes) + JSON.stringify(full.spans.find((s) => s.spanId === id)!.events)
    + JSON.stringify(full.logs.filter((l) => l.spanId === id));
  const holders = new Map(full.spans.filter((s) => raw(s.spanId).includes('2026-12-04')).map((s) => [s.spanId, s.name]));
  assert.equal(holders.size, 3);
  const chip = await page.textContent(`tr[data-id="${traceId}"] .search-hit`);
  assert.ok([...holders.values()].some((n) => chip === ` · found in ${n}`), `${chip} names one of ${[...holders.values()].join(', ')}`);
  await page.click(`tr[data-id="${traceId}"] .run-title`);
  await page.waitForSelector('.run-view[data-ready] .row.selected');
  const opened = await page.getAttribute('.row.selected', 'data-id');
  assert.ok(holders.has(opened!), `opened at ${opened}`);
  assert.equal(` · found in ${holders.get(opened!)}`, chip);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Backspace');
  await page.waitForSelector('table.runs');
  await page.fill('input.search', 'no-such-words-anywhere');
  await page.waitForFunction(() => document.querySelectorAll('tr[data-id]').length === 0);
  assert.match(await page.textContent('.list-info') ?? '', /No run matches/);
  await page.fill('input.search', '');
  assert.deepEqual(errors, []);
});

test('a child that arrives before its parent sits under a placeholder until the parent comes', { skip }, async () => {
  const { page, errors } = browser;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'pending-parent-app' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` }) })],
  });
  const tracer = provider.getTracer('pending');
  const parent = tracer.startSpan('invoke_agent planner', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' } });
  const ctx = trace.setSpan(otelContext.active(), parent);
  const child = tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 120, 'gen_ai.usage.output_tokens': 30 } }, ctx);
  child.end(); // exported now: the parent is still running
  await provider.forceFlush();
  const traceId = parent.spanContext().traceId;
  const parentId = parent.spanContext().spanId;

  await page.goto(`${url()}#/run/${traceId}`);
  await page.waitForSelector('.run-view[data-ready]');
  const placeholder = page.locator(`.row[data-id="${parentId}"]`);
  await placeholder.waitFor();
  assert.match(await placeholder.getAttribute('class') ?? '', /k-pending/);
  assert.match(await placeholder.textContent() ?? '', /waiting for parent/);
  assert.match(await page.textContent('.run-header') ?? '', /root pending/);
  // Select the child: the selection must survive the parent's arrival.
  const childRow = page.locator(`.row[data-id="${child.spanContext().spanId}"]`);
  await childRow.click();
  await page.waitForSelector(`.detail[data-loaded="${child.spanContext().spanId}"]`);
  // This model call carries no messages: the step says so, and names the switch that turns capture on.
  assert.match(await page.textContent('.detail .notes') ?? '', /message content was not captured: set OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true/);

  parent.end();
  await provider.forceFlush();
  await page.waitForFunction((id) => document.querySelector(`.row[data-id="${id}"] .name`)?.textContent === 'invoke_agent planner', parentId);
  assert.match(await placeholder.getAttribute('class') ?? '', /k-agent/);
  assert.match(await childRow.getAttribute('class') ?? '', /selected/);
  assert.equal(await page.getAttribute(`.row[data-id="${child.spanContext().spanId}"]`, 'aria-level'), '2');
  await page.waitForFunction(() => !/root pending/.test(document.querySelector('.run-header')?.textContent ?? ''));
  const tree = await api(server)<TraceTreeResponse>(`/api/traces/${traceId}/tree`);
  assert.deepEqual(treeSpans(tree).map((s) => s.name).sort(), ['chat gpt-4o-mini', 'invoke_agent planner']);
  await provider.shutdown();
  assert.deepEqual(errors, []);
});

test('a growing run keeps the scrolled-to row in place and the selection; zoom keys narrow the time axis', { skip }, async () => {
  const { page, errors } = browser;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'growing-app' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` }), scheduledDelayMillis: 50 })],
  });
  const tracer = provider.getTracer('growing');
  const t0 = Date.now() - 10_000;
  const root = tracer.startSpan('invoke_agent grower', { startTime: t0, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'grower' } });
  const ctx = trace.setSpan(otelContext.active(), root);
  const step = (i: number) => tracer.startSpan(`step ${String(i).padStart(3, '0')}`, { startTime: t0 + 100 + i * 10 }, ctx).end(t0 + 105 + i * 10);
  for (let i = 50; i < 110; i++) step(i);
  await provider.forceFlush();
  const traceId = root.spanContext().traceId;
  await page.goto(`${url()}#/run/${traceId}`);
  await page.waitForSelector('.run-view[data-ready]');
  await page.waitForFunction(() => document.querySelector('.rows')!.getAttribute('aria-rowcount') === '61');

  // Scroll so that "step 080" is the first row in sight, and select "step 085".
  const rowH = 24;
  await page.evaluate((h) => { document.querySelector('.rows')!.scrollTop = 31 * h; }, rowH); // rows: placeholder root, step 050… → index 31 = step 080
  const firstInSight = () => page.evaluate(async (h) => {
    await new Promise(requestAnimationFrame);
    await new Promise(requestAnimationFrame);
    const top = document.querySelector('.rows')!.scrollTop;
    return [...document.querySelectorAll<HTMLElement>('.row')].find((r) => Math.round(parseFloat(r.style.top) / h) === Math.round(top / h))?.querySelector('.name')?.textContent;
  }, rowH);
  await page.waitForFunction(() => !!document.querySelector('.row .name'));
  assert.equal(await firstInSight(), 'step 080');
  await page.locator('.row', { hasText: 'step 085' }).click();

  // Ten steps that started earlier arrive: they sort above; what was in sight stays in sight.
  for (let i = 40; i < 50; i++) step(i);
  await provider.forceFlush();
  await page.waitForFunction(() => document.querySelector('.rows')!.getAttribute('aria-rowcount') === '71');
  await page.waitForFunction(() => document.querySelector('.row.selected .name')?.textContent === 'step 085');
  assert.equal(await firstInSight(), 'step 080');

  // Zoom in with the keyboard: the axis spans less time; 0 fits the whole run again.
  const span = () => page.evaluate(() => { const t = [...document.querySelectorAll('.tick')].map((e) => e.textContent); return `${t[0]}…${t[t.length - 1]}`; });
  const whole = await span();
  await page.locator('.rows').focus();
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  await page.waitForFunction((w) => { const t = [...document.querySelectorAll('.tick')].map((e) => e.textContent); return `${t[0]}…${t[t.length - 1]}` !== w; }, whole);
  assert.notEqual(await span(), whole);
  await page.keyboard.press('0');
  await page.waitForFunction((w) => { const t = [...document.querySelectorAll('.tick')].map((e) => e.textContent); return `${t[0]}…${t[t.length - 1]}` === w; }, whole);
  root.end();
  await provider.shutdown();
  assert.deepEqual(errors, []);
});

test('what is unknown is said once: an unknown model\'s price, a failed tool\'s message repeated by its exception', { skip }, async () => {
  const { page, errors } = browser;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'said-once-app' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` }) })],
  });
  const tracer = provider.getTracer('said-once');
  const root = tracer.startSpan('invoke_agent clerk', { attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
  const ctx = trace.setSpan(otelContext.active(), root);
  const chat = tracer.startSpan('chat acme-llm-9', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'acme', 'gen_ai.request.model': 'acme-llm-9',
    'gen_ai.usage.input_tokens': 900, 'gen_ai.usage.output_tokens': 40 } }, ctx);
  chat.end();
  const tool = tracer.startSpan('execute_tool lookup_order', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup_order' } }, ctx);
  // As instrumentations record a failure: the exception event, and the status with the same message.
  const failure = new Error('order service timed out after 30 s');
  tool.recordException(failure);
  tool.setStatus({ code: 2, message: failure.message });
  tool.end();
  root.end();
  await provider.forceFlush();
  const traceId = root.spanContext().traceId;
  // Nothing prices this model: the truth is genai-prices itself.
  assert.equal(calcPrice({ input_tokens: 900, output_tokens: 40 }, 'acme-llm-9', { providerId: 'acme' }), null);

  await page.goto(`${url()}#/run/${traceId}/${chat.spanContext().spanId}`);
  await page.waitForSelector(`.detail[data-loaded="${chat.spanContext().spanId}"]`);
  const head = await page.textContent('.detail .cost-total') ?? '';
  assert.match(head, /^price unknown: no price known for model "acme-llm-9"/);
  assert.equal(head.match(/unknown/g)?.length, 1, `"${head}" says once that the price is unknown, and for which model`);
  await page.goto(`${url()}#/run/${traceId}/${tool.spanContext().spanId}`);
  await page.waitForSelector(`.detail[data-loaded="${tool.spanContext().spanId}"]`);
  const errorSection = await page.locator('.detail section[aria-label="Error"]').textContent() ?? '';
  assert.match(errorSection, /Error order service timed out after 30 s/);
  assert.match(errorSection, /at /, 'the stack is there, from its first frame');
  assert.equal(errorSection.split(failure.message).length - 1, 1, `the message once in: ${errorSection.slice(0, 300)}`);
  await provider.shutdown();
  assert.deepEqual(errors, []);
});

test('without its token (or with an old one) the page says where the address is, stops reconnecting, and takes a pasted token', { skip }, async () => {
  const { page } = browser;
  for (const address of [`http://127.0.0.1:${server.httpPort}/`, `http://127.0.0.1:${server.httpPort}/?token=${'0'.repeat(32)}`]) {
    // A fresh page: no token kept from an earlier visit in this tab.
    await page.goto('about:blank');
    await page.evaluate(() => sessionStorage.clear()).catch(() => undefined);
    const p = await browser.context.newPage();
    try {
      await p.goto(address);
      const locked = p.locator('.locked');
      await locked.waitFor({ timeout: 15_000 });
      const text = await locked.textContent() ?? '';
      assert.match(text, /needs the receiver's token/);
      assert.match(text, /agent-lens status/);
      assert.match(text, /Agent Lens: Open in Browser/);
      assert.equal(await p.locator('table.runs').count(), 0, 'no dead runs list');
      // It does not keep knocking: no reconnecting line a second later.
      await p.waitForTimeout(1200);
      assert.doesNotMatch(await p.locator('.conn').textContent() ?? '', /reconnecting/);
      // The whole address pasted: the runs list opens.
      await p.locator('.token-input').fill(`http://127.0.0.1:${server.httpPort}/?token=${server.token}`);
      await p.locator('.token-input').press('Enter');
      await p.locator('.conn.connected').waitFor({ state: 'attached', timeout: 15_000 });
      await p.locator('table.runs').waitFor({ timeout: 15_000 });
    } finally {
      await p.close();
    }
  }
});

test('one title everywhere (the list, the run\'s header, the conversation: the user\'s question); the span column and the detail pane resize by their splitters, remembered after a reload', { skip }, async () => {
  const { traceId } = await agentRunTimed();
  const { page } = browser;
  await page.goto(url());
  const row = page.locator(`tr[data-id="${traceId}"]`);
  await row.waitFor({ timeout: 15_000 });
  // The truth is the app's own question.
  assert.match(await row.locator('.run-title').textContent() ?? '', new RegExp(`^${AGENT.user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  await row.click();
  await page.locator('.run-view[data-ready]').waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('.run-view h1').first().textContent(), AGENT.user);
  assert.match(await page.locator('.run-view .root-name').textContent() ?? '', /root span invoke_agent travel-agent/);
  await page.goto(`${url()}#/conversation/${AGENT.conversationId}`);
  await page.locator('.conversation-view[data-ready]').waitFor({ timeout: 15_000 });
  assert.ok((await page.locator('.conversation-view td.run-name').allTextContents()).includes(AGENT.user));

  // The span column: dragged 150 px wider, kept after a reload; double-click: automatic again.
  await page.goto(`${url()}#/run/${traceId}`);
  await page.locator('.run-view[data-ready]').waitFor({ timeout: 15_000 });
  const treeW = async () => (await page.locator('.row .cell-tree').first().boundingBox())!.width;
  const before = await treeW();
  const handle = page.locator('.tl-head-tree > .splitter');
  const box = (await handle.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 150, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await waitFor('the wider column', async () => Math.abs(await treeW() - (before + 150)) <= 2 || undefined);
  const detailBefore = (await page.locator('.detail').boundingBox())!.width;
  // The detail pane: its splitter by the keyboard, 4 steps of 16 px to the left (wider).
  await page.locator('.splitter-pane').focus();
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
  await waitFor('the wider detail', async () => Math.abs((await page.locator('.detail').boundingBox())!.width - (detailBefore + 64)) <= 2 || undefined);
  await page.reload();
  await page.locator('.run-view[data-ready]').waitFor({ timeout: 15_000 });
  assert.ok(Math.abs(await treeW() - (before + 150)) <= 2, 'the span column kept its width');
  assert.ok(Math.abs((await page.locator('.detail').boundingBox())!.width - (detailBefore + 64)) <= 2, 'the detail pane kept its width');
  // Both back to automatic: the layout is the one before any resize.
  await page.locator('.splitter-pane').dblclick();
  await handle.dblclick();
  await waitFor('the automatic detail', async () => Math.abs((await page.locator('.detail').boundingBox())!.width - detailBefore) <= 2 || undefined);
  await waitFor('the automatic width', async () => Math.abs(await treeW() - before) <= 2 || undefined);
});

test('a live run gaining steps: each new step is added on its own, the rows already in sight stay as they are (renumbered, not redrawn), in row order in the DOM; a burst of 300 steps lands whole', { skip }, async () => {
  const { page, errors } = browser;
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'live-rows' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` }) })] });
  const tracer = provider.getTracer('live-rows');
  const root = tracer.startSpan('invoke_agent live-rows', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'live-rows' } });
  const ctx = trace.setSpan(otelContext.active(), root);
  const step = (i: number) => tracer.startSpan(`execute_tool lookup_${i}`, { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': `lookup_${i}` } }, ctx);
  step(0).end();
  await provider.forceFlush();
  const traceId = root.spanContext().traceId;
  await page.goto(`${url()}#/run/${traceId}`);
  await page.waitForSelector('.run-view[data-ready]');
  await page.waitForFunction(() => document.querySelectorAll('.row').length === 2); // the root is a placeholder until it ends
  const rowsNow = () => page.evaluate(() => [...document.querySelectorAll<HTMLElement>('.rows-layer .row')].map((r) => ({
    id: r.dataset.id!, pos: Number(r.getAttribute('aria-posinset')), size: Number(r.getAttribute('aria-setsize')), top: parseFloat(r.style.top),
    kept: (r as unknown as { kept?: boolean }).kept === true,
  })));
  for (let i = 1; i <= 12; i++) {
    // Once the view has settled (a row drawn at once gets its critical-path mark when the analysis
    // next runs; the steps ran one after another, so the run waited on each of them), mark every
    // row element in the page, then add one step.
    await page.waitForFunction(() => [...document.querySelectorAll('.rows-layer .row.k-tool')].every((r) => r.classList.contains('critical')));
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.evaluate(() => { for (const r of document.querySelectorAll('.rows-layer .row')) (r as unknown as { kept: boolean }).kept = true; });
    const s = step(i);
    const id = s.spanContext().spanId;
    s.end();
    await provider.forceFlush();
    await page.waitForSelector(`.row[data-id="${id}"]`);
    const rows = await rowsNow();
    assert.equal(rows.length, i + 2);
    // The new step's row is new, and its parent's (a placeholder until the root ends: it counts the
    // steps below it); every other step's row element is the one that was there.
    const rootId = root.spanContext().spanId;
    assert.deepEqual(rows.filter((r) => !r.kept && r.id !== rootId).map((r) => r.id), [id]);
    // Numbered and placed for the new count, and in the DOM in row order.
    assert.deepEqual(rows.map((r) => r.pos), rows.map((_, k) => k + 1));
    assert.ok(rows.every((r) => r.size === rows.length && r.top === (r.pos - 1) * 24), JSON.stringify(rows.slice(0, 3)));
  }
  // The analysis a frame later marks the critical path through the new steps too: they ran one
  // after another, each ending before the next began, so the run waited on every one of them.
  await page.waitForFunction(() => [...document.querySelectorAll('.rows-layer .row.k-tool')].every((r) => r.classList.contains('critical')));
  // A burst in one request: all of it, once.
  const burst = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'live-rows' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` }), maxExportBatchSize: 1000, maxQueueSize: 2000, scheduledDelayMillis: 60_000 })] });
  const bt = burst.getTracer('live-rows');
  for (let i = 0; i < 300; i++) bt.startSpan(`execute_tool burst_${i}`, { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'burst' } }, ctx).end();
  await burst.forceFlush();
  await page.waitForFunction(() => Number(document.querySelector('.rows-layer .row')?.getAttribute('aria-setsize')) === 314);
  const after = await rowsNow();
  assert.ok(after.every((r) => r.size === 314));
  assert.deepEqual(after.map((r) => r.pos), after.map((_, k) => k + 1));
  root.end();
  await provider.shutdown();
  await burst.shutdown();
  assert.deepEqual(errors, []);
});
