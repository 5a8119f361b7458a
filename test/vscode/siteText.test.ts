// What a call site's lens and hover say, from a rollup: the figures, and telemetry text kept literal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hoverMarkdown, lensTitle } from '../../src/vscode/siteText';
import type { SiteRollup } from '../../src/protocol';

const usage = (input: number, output: number) => ({ input, output, cacheRead: 0, cacheCreation: 0, reasoning: 0 });
const base: SiteRollup = {
  path: '/app/agent.py', line: 41, function: 'plan', kind: 'llm', calls: 5, errors: 1, usage: usage(7300, 165), medianInput: 1100, medianOutput: 30,
  costUsd: 0.0012, unpricedCalls: 0, models: [{ model: 'gpt-4o-mini', calls: 5, usage: usage(7300, 165), costUsd: 0.0012 }],
  p50Ms: 800, p95Ms: 2500, recent: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), startTimeUnixNano: '1' as SiteRollup['recent'][0]['startTimeUnixNano'] }],
  creep: { conversationId: 'c1', turns: 3, baseline: 900, peak: 2600, peakTurn: 3, ratio: 2600 / 900, steady: true },
};

test('the lens: calls, models, median tokens, cost per call, latency, errors and token creep', () => {
  assert.equal(lensTitle(base), '$(sparkle) 5 model calls · gpt-4o-mini · median 1.1k in / 30 out · $0.0012 ($0.0002/call) · p50 800 ms · p95 2.50 s · $(error) 1 error · $(warning) input ×2.9 by turn 3');
  assert.equal(lensTitle({ ...base, kind: 'tool', calls: 2, errors: 0, creep: undefined, p50Ms: 200, p95Ms: 400 }), '$(tools) 2 tool calls · p50 200 ms · p95 400 ms');
  assert.match(lensTitle({ ...base, costUsd: null, unpricedCalls: 5 }), /price unknown/);
});

test('the hover: per model and the newest runs; a hostile model name stays text', () => {
  const md = hoverMarkdown({ ...base, models: [{ model: 'evil](command:workbench.action.quit)', calls: 1, usage: usage(1, 1), costUsd: null }] }, (id) => `command:agentLens.openRun?${id}`);
  assert.ok(!md.includes('](command:workbench'), md);
  assert.match(md, /evil\\\]\\\(command:workbench\\\.action\\\.quit\\\)/);
  assert.match(md, new RegExp(`\\[abababab\\]\\(command:agentLens\\.openRun\\?${'ab'.repeat(16)}\\)`));
  assert.match(md, /Token creep.*input per model call grew from 900 tokens in the first turn to 2600 in turn 3 of 3 \(×2\.9, at every turn\)/);
  assert.doesNotMatch(md, /Also started here/);
  // A framework's agent and tool spans from the same line are said apart from the model calls.
  const others = hoverMarkdown({ ...base, others: [{ kind: 'tool', calls: 2, errors: 1, p50Ms: 12, p95Ms: 20 }, { kind: 'agent', calls: 1, errors: 0, p50Ms: 2400, p95Ms: 2400 }] }, (id) => id);
  assert.match(others, /5 model calls · p50 800 ms/);
  assert.match(others, /Also started here: 2 tool calls \(p50 12 ms, 1 error\) · 1 agent run \(p50 2\.40 s\)/);
});

test('over a definition: the tool\'s or agent\'s name, its runs from anywhere', () => {
  const tool: SiteRollup = { ...base, path: '/app/tools.py', line: 12, kind: 'tool', name: 'issue_refund', calls: 2, errors: 1, creep: undefined, p50Ms: 200, p95Ms: 400 };
  assert.equal(lensTitle(tool), '$(tools) issue_refund: 2 tool calls · p50 200 ms · p95 400 ms · $(error) 1 error');
  assert.match(hoverMarkdown(tool, (id) => id), /^\*\*Agent Lens\*\* · tool issue\\_refund, defined here/);
  assert.match(lensTitle({ ...tool, kind: 'agent', name: 'desk', calls: 1, errors: 0 }), /^\$\(hubot\) desk: 1 agent run · /);
});
