// `agent-lens mcp` (issue 27): an MCP client from @modelcontextprotocol/sdk spawns the command over
// stdio against a trace server holding the captured Python runs (test/fixtures/python-frameworks:
// real OTLP bodies of real framework runs, with capture.json the truth of each: what the mock model
// reported, which tool failed with which message) and a model call with a source line. Each
// tool's answer is checked against that truth (and genai-prices for cost). Paging and the output
// budget are checked on a 100,000-step run made with the real SDK (test/helpers/syntheticRuns.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { calcPrice } from '@pydantic/genai-prices';
import { runProcess } from '../helpers/process';
import { startMockModel } from '../../src/demo/mockModel';
import { startTestServer, api, waitFor, CLI, freePort } from '../helpers/server';
import { captureNames, postCapture, truthOf } from '../helpers/captures';
import { longRunBodies } from '../helpers/syntheticRuns';
import { tracerProvider } from '../helpers/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { TOOLS } from '../../src/mcp/tools';
import { lmToolName } from '../../src/mcp/names';
import type { RunningServer } from '../../src/server/server';
import type { TraceListResponse } from '../../src/protocol';

let server: RunningServer;
let client: Client;
const CAPTURES = captureNames();

async function connect(url: string): Promise<Client> {
  const c = new Client({ name: 'agent-lens-test', version: '1.0.0' });
  await c.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--url', url], env: { ...process.env, AGENT_LENS_TOKEN: server.token } as Record<string, string>, stderr: 'pipe' }));
  return c;
}

/** A tool's text, and whether the tool said it was an error. */
async function call(name: string, args: Record<string, unknown> = {}, c = client): Promise<{ text: string; isError: boolean }> {
  const r = await c.callTool({ name, arguments: args }) as { content: { type: string; text: string }[]; isError?: boolean };
  return { text: r.content.map((x) => x.text).join('\n'), isError: r.isError === true };
}

before(async () => {
  server = await startTestServer({ dataDir: null });
  for (const name of CAPTURES) await postCapture(name, server.httpPort);
  client = await connect(`http://127.0.0.1:${server.httpPort}`);
});
after(async () => { await client?.close(); await server.close(); });

/** The first dollar figure of a line is genai-prices' `usd` (to the 6 digits the tools give). */
function assertUsd(line: string, usd: number): void {
  const shown = Number(/\$([0-9.e-]+)/.exec(line)?.[1]);
  assert.ok(Math.abs(shown - usd) <= usd * 1e-5, `${line}: ${shown} vs genai-prices' ${usd}`);
}

/** The runs of a capture (its service), oldest first: one per user turn. */
async function runsOf(name: string): Promise<string[]> {
  const service = truthOf(name).resource['service.name']!;
  const list = await waitFor(`the runs of ${name}`, async () => {
    const l = await api(server)<TraceListResponse>(`/api/traces?service=${encodeURIComponent(service)}&limit=100`);
    return l.traces.filter((t) => !t.orphanOf).length >= truthOf(name).turns.length ? l : undefined;
  });
  return list.traces.filter((t) => !t.orphanOf).sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1)).map((t) => t.traceId);
}

test('tools/list gives every tool with a JSON schema and a description', async () => {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS.map((t) => t.name).sort());
  assert.equal(tools.length, 9);
  for (const t of tools) {
    assert.equal(t.inputSchema.type, 'object', t.name);
    assert.ok((t.description ?? '').length > 40, t.name);
  }
});

test('the editor\'s manifest lists the same tools (languageModelTools): name, description for the model and input schema', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { contributes: { languageModelTools: { name: string; modelDescription: string; inputSchema: unknown }[] } };
  assert.deepEqual(manifest.contributes.languageModelTools.map((t) => ({ name: t.name, modelDescription: t.modelDescription, inputSchema: t.inputSchema })),
    TOOLS.map((t) => ({ name: lmToolName(t.name), modelDescription: t.description, inputSchema: t.inputSchema })));
});

test('list_runs, get_run and get_step carry the truth of each captured framework run: the tokens the mock reported, the tools it ran', async () => {
  for (const name of ['openai-v2-latest', 'openai-agents', 'langgraph', 'pydantic-ai']) {
    const truth = truthOf(name);
    const runs = await runsOf(name);
    const service = truth.resource['service.name']!;
    const listed = await call('list_runs', { service });
    assert.ok(!listed.isError, listed.text);
    for (const id of runs) assert.ok(listed.text.includes(id), `${name}: list_runs names ${id}`);
    // Turn 1: one tool (lookup_order) and the model calls the mock saw, with their tokens.
    const turn = truth.turns[0]!;
    const run = await call('get_run', { traceId: runs[0] });
    assert.ok(!run.isError, run.text);
    const input = turn.model_calls.reduce((n, c) => n + c.usage.input, 0);
    const output = turn.model_calls.reduce((n, c) => n + c.usage.output, 0);
    assert.match(run.text.split('\n')[0]!, new RegExp(`${turn.model_calls.length} model calls, ${input} in / ${output} out tokens`), `${name}: ${run.text.split('\n')[0]}`);
    for (const t of turn.tool_calls) assert.ok(run.text.includes(t.name), `${name}: the run shows ${t.name}`);
    // A model call's step whole: the user's question and its usage as the mock reported it.
    const callLine = run.text.split('\n').find((l) => /\[llm\]/.test(l) && new RegExp(`${turn.model_calls[0]!.usage.input} in / ${turn.model_calls[0]!.usage.output} out`).test(l));
    assert.ok(callLine, `${name}: a model call with the mock's usage:\n${run.text}`);
    const step = await call('get_step', { traceId: runs[0], spanId: /span ([0-9a-f]{16})$/.exec(callLine)![1] });
    assert.ok(!step.isError, step.text);
    assert.ok(step.text.includes(turn.user), `${name}: the step has the question "${turn.user}"`);
    assert.match(step.text, new RegExp(`tokens: ${turn.model_calls[0]!.usage.input - turn.model_calls[0]!.usage.cached} in`));
  }
});

test('explain_failure names the failed tool with the message it raised, the model call that asked for it and the arguments', async () => {
  for (const name of ['openai-v2-latest', 'openai-agents', 'strands']) {
    const truth = truthOf(name);
    const runs = await runsOf(name);
    const failedTurn = truth.turns.findIndex((t) => t.tool_calls.some((c) => c.error));
    const failed = truth.turns[failedTurn]!.tool_calls.find((c) => c.error)!;
    const out = await call('explain_failure', { traceId: runs[failedTurn] });
    assert.ok(!out.isError, out.text);
    assert.ok(out.text.includes(failed.error!.message), `${name}: the message "${failed.error!.message}" in:\n${out.text}`);
    assert.match(out.text, /led to by: \d+\. \[llm\]/, name);
    assert.ok(out.text.includes(failed.name), name);
    // A run that did not fail says so.
    const ok = await call('explain_failure', { traceId: runs[0] });
    assert.match(ok.text, /No step failed/);
  }
});

test('conversation gives the turns and the token creep as the mock\'s tokens make it; orphans lists the pieces that lost their context, with the fix', async () => {
  const name = 'openai-v2-latest';
  const truth = truthOf(name);
  const perTurn = truth.turns.map((t) => t.model_calls.reduce((n, c) => n + c.usage.input, 0));
  const peak = Math.max(...perTurn.slice(1));
  const out = await call('conversation', { id: truth.conversation_id_passed });
  assert.ok(!out.isError, out.text);
  assert.match(out.text, new RegExp(`${truth.turns.length} turns`));
  assert.ok(out.text.includes(`token creep: input per turn grew ×${(peak / perTurn[0]!).toFixed(2)} (turn 1: ${perTurn[0]} tokens, turn ${perTurn.indexOf(peak) + 1}: ${peak})`), out.text);
  // By a run of it, the same conversation.
  const byRun = await call('conversation', { id: (await runsOf(name))[1] });
  assert.equal(byRun.text, out.text);
  const orphans = await call('orphans');
  assert.ok(!orphans.isError, orphans.text);
  assert.match(orphans.text, /orphaned step/);
  assert.match(orphans.text, /fix: /);
});

test('cost_by_line: the line a model call was made at, with the tokens it reported and genai-prices\' cost', async () => {
  const { provider, tracer } = tracerProvider('mcp-lines', [new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
  tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 1234, 'gen_ai.usage.output_tokens': 56, 'code.file.path': '/app/agent/planner.py', 'code.line.number': 42, 'code.function.name': 'plan' } }).end();
  await provider.forceFlush();
  await provider.shutdown();
  const out = await waitFor('the line', async () => { const r = await call('cost_by_line', { file: 'agent/planner.py' }); return r.text.includes('planner.py:42') ? r : undefined; });
  const usd = calcPrice({ input_tokens: 1234, output_tokens: 56 }, 'gpt-4o-mini', { providerId: 'openai' })!.total_price;
  const line = out.text.split('\n').find((l) => l.startsWith('/app/agent/planner.py:42 (plan) · 1 model calls · 1234 in / 56 out tokens'));
  assert.ok(line, out.text);
  assertUsd(line, usd);
});

test('a JS run (the openai SDK under the official instrumentation, the call-site helper loaded): get_run has the mock\'s tokens; cost_by_line has the lines the helper recorded, with genai-prices\' cost of each call', async () => {
  const mock = await startMockModel();
  try {
    const app = path.join(__dirname, '..', 'helpers', 'liveApp.js');
    const app_ = await runProcess(process.execPath, [app, `http://127.0.0.1:${server.httpPort}`, mock.url], { NODE_OPTIONS: `--require ${path.join(__dirname, '..', '..', 'dist', 'capture-node.js')}` });
    assert.equal(app_.code, 0, app_.err);
    const out = app_.out;
    const traceId = (JSON.parse(out.trim().split('\n').pop()!) as { traceId: string }).traceId;
    const run = await waitFor('the run\'s two model calls', async () => { const r = await call('get_run', { traceId }); return (r.text.match(/\[llm\]/g) ?? []).length >= 2 ? r : undefined; });
    const [u1, u2] = mock.usages;
    assert.match(run.text.split('\n')[0]!, new RegExp(`2 model calls, ${u1!.prompt_tokens + u2!.prompt_tokens} in / ${u1!.completion_tokens + u2!.completion_tokens} out tokens`), run.text);
    // Where the app made each call: the lines of the app's own file that call the SDK (read here from the file).
    const src = fs.readFileSync(app, 'utf8').split('\n');
    const lineOf = (needle: string) => src.findIndex((l) => l.includes(needle)) + 1;
    const sites = await call('cost_by_line', { file: 'helpers/liveApp.js' });
    for (const [needle, u] of [['const first = await client.chat.completions.create(', u1!], ['const answer = await client.chat.completions.create(', u2!]] as const) {
      const usd = calcPrice({ input_tokens: u.prompt_tokens, output_tokens: u.completion_tokens }, 'gpt-4o-mini', { providerId: 'openai' })!.total_price;
      const line = sites.text.split('\n').find((l) => l.startsWith(`${app}:${lineOf(needle)} `));
      assert.ok(line, `${app}:${lineOf(needle)} in:\n${sites.text}`);
      assert.match(line, new RegExp(` · 1 model calls · ${u.prompt_tokens} in / ${u.completion_tokens} out tokens \\(median ${u.prompt_tokens} in\\) · \\$`));
      assertUsd(line, usd);
    }
  } finally { await mock.close(); }
});

test('a 100,000-step run: get_run stays within its budget, says where to go on, and the next page starts there; find_steps finds the costliest', async () => {
  const run = longRunBodies(100_000);
  for (const body of run.bodies) {
    const r = await fetch(`http://127.0.0.1:${server.httpPort}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(body) });
    assert.equal(r.status, 200);
  }
  await waitFor('the whole run', async () => ((await api(server)<{ summary: { spanCount: number } }>(`/api/traces/${run.traceId}/summary`)).summary.spanCount === 100_001) || undefined);
  const first = await call('get_run', { traceId: run.traceId });
  assert.ok(!first.isError);
  assert.ok(first.text.length <= 8000 * 4 + 300, `${first.text.length} characters`);
  const next = Number(/call get_run with offset=(\d+)/.exec(first.text)?.[1]);
  assert.ok(next > 50, first.text.slice(-300));
  const lines = first.text.split('\n');
  // The run as made: its agent first, then its steps in start order.
  assert.match(lines[2]!, /^1\. \[agent\] invoke_agent support/);
  assert.ok(lines[3]!.includes(`span ${run.steps[0]!.spanId}`));
  const page = await call('get_run', { traceId: run.traceId, offset: next, maxTokens: 2000 });
  const pageLines = page.text.split('\n');
  assert.ok(pageLines[2]!.trimStart().startsWith(`${next + 1}. `), pageLines[2]);
  assert.ok(pageLines[2]!.includes(`span ${run.steps[next - 1]!.spanId}`), `step ${next + 1} of the tree is step ${next} of the run (after its agent)`);
  assert.ok(page.text.length <= 2000 * 4 + 300);
  // The most expensive model calls: the ones with the most input (the run was made with 200 + step % 50 tokens in, 20 out).
  const inputs = run.steps.filter((x) => x.prompt).map((x) => 200 + (Number(/^Step (\d+)/.exec(x.prompt!)![1]) % 50));
  const most = Math.max(...inputs);
  const costly = await call('find_steps', { traceId: run.traceId, kind: 'llm', sort: 'costliest', limit: 3 });
  assert.match(costly.text, new RegExp(`^${inputs.length} steps match \\(the first 3\\):`));
  assert.equal((costly.text.match(new RegExp(`· ${most} in / 20 out ·`, 'g')) ?? []).length, 3, costly.text);
});

test('bad input gives a tool error a model can act on, and the MCP process goes on; a trace server that is not there is said plainly', async () => {
  const malformed = await call('get_run', { traceId: 'xyz' });
  assert.equal(malformed.isError, true);
  assert.match(malformed.text, /traceId "xyz" is not a trace id \(32 hexadecimal digits/);
  const unknown = await call('get_run', { traceId: '0123456789abcdef0123456789abcdef' });
  assert.equal(unknown.isError, true);
  assert.match(unknown.text, /no trace 0123456789abcdef0123456789abcdef.*list_runs/);
  const since = await call('list_runs', { since: 'yesterday-ish' });
  assert.equal(since.isError, true);
  assert.match(since.text, /is not a time/);
  const noTool = await call('delete_everything');
  assert.equal(noTool.isError, true);
  assert.match(noTool.text, /no tool named delete_everything/);
  // Still answering.
  assert.ok(!(await call('list_runs', { limit: 1 })).isError);
  // Nobody at that port.
  const away = await connect(`http://127.0.0.1:${await freePort()}`);
  try {
    const r = await call('list_runs', {}, away);
    assert.equal(r.isError, true);
    assert.match(r.text, /does not answer.*is it still running/);
  } finally { await away.close(); }
});
