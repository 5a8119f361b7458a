// The per-language set-up: the walkthrough's page is the guides' own text, every guide sends to
// the endpoint it is given with a short export delay, and its lines fit the walkthrough's width.
// AGENT_LENS_UPDATE_DOCS=1 writes the page again from the guides.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETUP_GUIDES, guideForSdkLanguage, walkthroughMarkdown } from '../../src/vscode/setupGuide';

const PAGE = path.join(__dirname, '..', '..', 'media', 'walkthrough', 'point.md');

test('the walkthrough page is the guides\' text', () => {
  if (process.env.AGENT_LENS_UPDATE_DOCS) fs.writeFileSync(PAGE, walkthroughMarkdown());
  assert.equal(fs.readFileSync(PAGE, 'utf8'), walkthroughMarkdown(), 'media/walkthrough/point.md is out of date: run the test with AGENT_LENS_UPDATE_DOCS=1');
});

test('each guide: the endpoint it is given, a short export delay, lines of 64 characters at most', () => {
  assert.deepEqual(SETUP_GUIDES.map((g) => g.label), ['Python', 'Node.js / TypeScript', 'Java', 'Go', '.NET']);
  const endpoint = 'http://127.0.0.1:14318';
  const delay: Record<string, RegExp> = {
    python: /schedule_delay_millis=200/, node: /scheduledDelayMillis: 200/, java: /OTEL_BSP_SCHEDULE_DELAY=200/,
    go: /WithBatchTimeout\(200\*time\.Millisecond\)/, dotnet: /ScheduledDelayMilliseconds = 200/,
  };
  for (const g of SETUP_GUIDES) {
    const text = g.text(endpoint);
    assert.ok(text.includes(g.id === 'go' ? '"127.0.0.1:14318"' : endpoint), `${g.id} uses the endpoint`);
    assert.ok(!text.includes('4318"') || text.includes('14318'), `${g.id}: no default port left`);
    assert.match(text, delay[g.id]!, `${g.id} sets a short delay`);
    // What the late-run notice says for it names the same switch.
    assert.match(g.shortDelay, g.id === 'python' || g.id === 'java' ? /OTEL_BSP_SCHEDULE_DELAY=200/ : delay[g.id]!);
    for (const line of text.split('\n')) assert.ok(line.length <= 64, `${g.id}: "${line}" is ${line.length} characters`);
  }
});

test('the guide for a run\'s telemetry.sdk.language', () => {
  assert.equal(guideForSdkLanguage('nodejs')?.id, 'node');
  assert.equal(guideForSdkLanguage('python')?.id, 'python');
  assert.equal(guideForSdkLanguage('dotnet')?.id, 'dotnet');
  assert.equal(guideForSdkLanguage('go')?.id, 'go');
  assert.equal(guideForSdkLanguage('java')?.id, 'java');
  assert.equal(guideForSdkLanguage('rust'), undefined);
  assert.equal(guideForSdkLanguage(undefined), undefined);
});
