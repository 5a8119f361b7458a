// What if, in the browser UI (issue 26): a model call of a real run (a tool-using agent on the Vercel
// AI SDK under @ai-sdk/otel, test/helpers/agentRun.ts, against the mock model) replayed from its
// step in a real Chromium: the request shown is the one the mock received, a double-encoded edit is
// refused where it is, an edited system prompt is what the mock gets, and the answer is a new run
// that opens. The truth: the mock's request log and usage.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestServer, api, waitFor } from '../helpers/server';
import { browserSkipReason, openBrowser, type Browser } from '../helpers/browser';
import { startMockModel, type MockModel } from '../../src/demo/mockModel';
import type { RunningServer } from '../../src/server/server';
import type { TraceResponse } from '../../src/protocol';

const skip = browserSkipReason() || false;
let server: RunningServer;
let mock: MockModel;
let browser: Browser;
let run: TraceResponse;

before(async () => {
  if (skip) return;
  server = await startTestServer({ dataDir: null });
  mock = await startMockModel();
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, '..', 'helpers', 'agentRun.js'), 'vercel-otel', `http://127.0.0.1:${server.httpPort}`, mock.url], { timeout: 60_000 });
  const { traceId } = JSON.parse(stdout.trim().split('\n').pop()!) as { traceId: string };
  run = await waitFor('the run', async () => {
    const t = await api(server)<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
    return t && t.spans.filter((s) => s.genai?.kind === 'llm').length >= 2 && !t.summary.rootPending ? t : undefined;
  });
  browser = await openBrowser();
});
after(async () => {
  if (skip) return;
  await browser.close();
  await mock.close();
  await server.close();
});

test('Replay on a model call: the request the mock received, checked as it is edited; sent with a new system prompt, the mock gets it and the answer opens as a new run', { skip }, async () => {
  const { page, errors } = browser;
  const first = run.spans.filter((s) => s.genai?.kind === 'llm').sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1))[0]!;
  const received = mock.requests[0]!;
  await page.goto(`http://127.0.0.1:${server.httpPort}/?token=${server.token}#/run/${run.summary.traceId}/${first.spanId}`);
  await page.waitForSelector(`.run-view[data-ready] .detail[data-loaded="${first.spanId}"]`);
  await page.click('button.replay-call');
  const area = page.locator('textarea.replay-request');
  await area.waitFor({ state: 'visible' });
  const shown = JSON.parse(await area.inputValue()) as Record<string, unknown>;
  // (What the mock received, less tool_choice "auto", OpenAI's default with tools, which this instrumentation does not record.)
  const { tool_choice: _c, ...asSent } = received as unknown as Record<string, unknown>;
  assert.deepEqual(shown, asSent);
  assert.equal(await page.locator('.replay-problems li').count(), 0);
  // An edit that adds a result for a call nobody made is refused, where it is, before anything is sent.
  const edited = { ...shown, messages: (shown.messages as { role: string; content: string }[]).map((m) => (m.role === 'system' ? { ...m, content: 'You are a terse travel planner.' } : m)) };
  await area.fill(JSON.stringify({ ...edited, messages: [...edited.messages, { role: 'tool', tool_call_id: 'call_none', content: '{}' }] }, null, 2));
  await page.locator('.replay-problems li', { hasText: 'messages[2].tool_call_id' }).waitFor();
  assert.equal(await page.locator('button.replay-send').isDisabled(), true);
  await area.fill(JSON.stringify(edited, null, 2));
  await waitFor('the problems gone', async () => (await page.locator('.replay-problems li').count()) === 0 || undefined);
  const heard = mock.requests.length;
  await page.click('button.replay-send');
  await page.locator('.replay-result button.replay-open').waitFor();
  assert.equal(mock.requests.length, heard + 1);
  assert.deepEqual(mock.requests[heard], edited);
  const usage = mock.usages[heard]!;
  assert.match(await page.locator('.replay-result').innerText(), new RegExp(`^Answered \\(${usage.prompt_tokens} tokens in, ${usage.completion_tokens} out`));
  await page.click('.replay-result button.replay-open');
  await waitFor('the new run open', async () => (/#\/run\/[0-9a-f]{32}$/.test(page.url()) && !page.url().includes(run.summary.traceId)) || undefined);
  await page.waitForSelector('.run-view[data-ready]');
  const newId = /#\/run\/([0-9a-f]{32})/.exec(page.url())![1]!;
  const t = await api(server)<TraceResponse>(`/api/traces/${newId}`);
  assert.equal((t.spans[0]!.attributes.find((a) => a.key === 'agent_lens.replay_of')?.value as { stringValue?: string }).stringValue, `${run.summary.traceId}/${first.spanId}`);
  // Another endpoint, typed: a second model server gets the call, the recording's does not.
  const other = await startMockModel();
  try {
    await page.goBack();
    await page.waitForSelector(`.run-view[data-ready] .detail[data-loaded="${first.spanId}"]`);
    await page.click('button.replay-call');
    const endpoint = page.locator('input.replay-endpoint');
    await endpoint.waitFor({ state: 'visible' });
    assert.equal(await endpoint.inputValue(), `http://127.0.0.1:${mock.port}/v1`);
    await endpoint.fill(other.url);
    const before = mock.requests.length;
    await page.click('button.replay-send');
    await page.locator('.replay-result button.replay-open').waitFor();
    assert.equal(other.requests.length, 1);
    assert.equal(mock.requests.length, before);
    assert.deepEqual(other.requests[0], asSent);
  } finally { await other.close(); }
  assert.deepEqual(errors, []);
});
