// Re-run From Here in Node (capture/node/rerun.ts, GET /api/traces/{id}/rerun, `agent-lens rerun`):
// a real app on the openai SDK (and the Anthropic SDK) under their instrumentations
// (test/helpers/liveApp.ts) is recorded against the mock model, then started again with the capture
// helper in re-run mode. The truth is the mock model's own request log (what the model really
// heard), the app's own output (what it made of the answers it got), the first run's recording and
// genai-prices. Sizes: runs of 2–3 model calls and 2 tools; each app is its own process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runProcess, type ProcessOutput } from '../helpers/process';
import { calcPrice } from '@pydantic/genai-prices';
import { startTestServer, api, waitFor, tmpDir, CLI, settledPlan } from '../helpers/server';
import { startMockModel, type MockModel } from '../../src/demo/mockModel';
import { LIVE_APP } from '../helpers/liveApp';
import type { Flavour } from '../helpers/agentRun';
import type { RunningServer } from '../../src/server/server';
import type { ApiSpan, RerunPlan, TraceResponse } from '../../src/protocol';

const ROOT = path.join(__dirname, '..', '..');
const HELPER = path.join(ROOT, 'dist', 'capture-node.js');
const APP = path.join(ROOT, 'dist-test', 'helpers', 'liveApp.js');
const AGENT_RUN = path.join(ROOT, 'dist-test', 'helpers', 'agentRun.js');
let server: RunningServer;
let mock: MockModel;
const dir = tmpDir('al-rerun-');
before(async () => { server = await startTestServer({ dataDir: null }); mock = await startMockModel(); });
after(async () => { await mock.close(); await server.close(); });

type App = ProcessOutput;

/** The app, started with the capture helper, as the editor starts it; with a re-run plan when given. */
async function runApp(env: NodeJS.ProcessEnv = {}, args = [APP, `http://127.0.0.1:${server.httpPort}`, mock.url]): Promise<App> {
  const app = await runProcess(process.execPath, args, { NODE_OPTIONS: `--require ${HELPER}`, ...env });
  assert.equal(app.code, 0, `the app failed: ${app.err}`);
  return app;
}

const traceOf = (app: App) => (JSON.parse(app.out.trim().split('\n').pop()!) as { traceId: string }).traceId;
/** What the app printed, without its run's id: tool runs with their arguments and the answers. */
const shown = (app: App) => app.out.trim().split('\n').slice(0, -1);

async function modelCalls(traceId: string, count: number): Promise<ApiSpan[]> {
  const t = await waitFor(`${count} model calls of ${traceId}`, async () => {
    const r = await api(server)<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
    return r && r.spans.filter((s) => s.genai?.kind === 'llm').length >= count ? r : undefined;
  });
  return t.spans.filter((s) => s.genai?.kind === 'llm').sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1));
}

async function planFile(traceId: string, q: string): Promise<{ plan: RerunPlan; file: string; report: string }> {
  const plan = await settledPlan(server, traceId, q);
  const file = path.join(dir, `${traceId}.${q.replace(/\W/g, '_')}.json`);
  fs.writeFileSync(file, JSON.stringify(plan));
  const report = `${file}.report`;
  fs.rmSync(report, { force: true });
  return { plan, file, report };
}
const reportOf = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { call: number; traceId: string; answeredBy: string; why?: string });
const attr = (s: ApiSpan, k: string) => { const v = s.attributes.find((a) => a.key === k)?.value as { stringValue?: string } | undefined; return v?.stringValue; };

let recorded: { traceId: string; app: App; calls: ApiSpan[]; heard: number } | undefined;
/** The 3-call run (a tool round, its answer, a follow-up question), recorded once. */
async function recording() {
  if (recorded) return recorded;
  const at = mock.requests.length;
  const app = await runApp({ LIVE_APP_FOLLOW_UP: '1' });
  assert.equal(mock.requests.length - at, 3);
  const traceId = traceOf(app);
  recorded = { traceId, app, calls: await modelCalls(traceId, 3), heard: at };
  return recorded;
}

test('re-run from step 2 of a 3-call run: the mock hears calls 2 and 3 only; the app got the recorded answer to call 1 (the same tools ran with the same arguments) and its output up to step 2 is the recorded one; the new run names the run it re-runs', async () => {
  const rec = await recording();
  const { plan, file, report } = await planFile(rec.traceId, `from=${rec.calls[1]!.spanId}`);
  assert.deepEqual([plan.calls.length, plan.liveCalls, plan.gaps], [1, 2, []]);
  // The plan's answer is the one the model gave: the tool calls the mock asked for, with its ids.
  const first = mock.bodies[rec.heard]!;
  assert.equal((plan.calls[0]!.request.messages as { content: string }[])[0]!.content, (first.messages as { content: string }[])[0]!.content);
  const at = mock.requests.length;
  const app = await runApp({ LIVE_APP_FOLLOW_UP: '1', AGENT_LENS_RERUN_FILE: file, AGENT_LENS_RERUN_REPORT: report });
  // Calls 2 and 3 reached the model; call 1 did not (call 2 carries the tool results, call 3 the follow-up).
  assert.equal(mock.requests.length - at, 2);
  assert.ok(mock.requests[at]!.messages.some((m) => m.role === 'tool'), 'the first request the mock heard is call 2');
  assert.equal(mock.requests[at + 1]!.messages.at(-1)!.content, LIVE_APP.followUp);
  // Call 2 carries the tool calls as the recording's answer made them (the mock numbers its calls: a live call 1 would have new ids).
  const ids = (r: (typeof mock.requests)[0]) => r.messages.flatMap((m) => m.tool_calls ?? []).map((c) => c.id);
  assert.deepEqual(ids(mock.requests[at]!), ids(mock.requests[rec.heard + 1]!));
  assert.deepEqual(shown(app).filter((l) => l.startsWith('TOOL')), shown(rec.app).filter((l) => l.startsWith('TOOL')));
  assert.deepEqual(shown(app), shown(rec.app));
  assert.match(app.err, /re-run of [0-9a-f]{32}: 1 model call answered from the recording/);
  // The helper's report, and the new run: call 1 answered from the recording (cost 0), calls 2 and 3 by the model with the mock's usage, priced by genai-prices.
  const lines = reportOf(report);
  assert.deepEqual(lines.map((l) => [l.call, l.answeredBy]), [[1, 'recording'], [2, 'model'], [3, 'model']]);
  const newRun = traceOf(app);
  assert.deepEqual([...new Set(lines.map((l) => l.traceId))], [newRun]);
  const calls = await modelCalls(newRun, 3);
  assert.equal(attr(calls[0]!, 'agent_lens.replayed_from'), `${rec.traceId}/${rec.calls[0]!.spanId}`);
  assert.equal(calls[0]!.genai!.costUsd, 0);
  assert.deepEqual([calls[1], calls[2]].map((c) => attr(c!, 'agent_lens.replayed_from')), [undefined, undefined]);
  for (const [i, c] of [calls[1]!, calls[2]!].entries()) {
    const u = mock.usages[at + i]!;
    assert.deepEqual([c.genai!.usage!.input, c.genai!.usage!.output], [u.prompt_tokens, u.completion_tokens]);
    const price = calcPrice({ input_tokens: u.prompt_tokens, output_tokens: u.completion_tokens }, 'gpt-4o-mini', { providerId: 'openai' })!.total_price;
    assert.ok(Math.abs(c.genai!.costUsd! - price) < 1e-12, `${c.genai!.costUsd} vs ${price}`);
  }
  const run = await api(server)<TraceResponse>(`/api/traces/${newRun}`);
  const root = run.spans.find((s) => s.name === 'invoke_agent live-agent')!;
  assert.equal(attr(root, 'agent_lens.rerun_of'), rec.traceId);
});

test('"all recorded": the mock hears nothing, the app prints what it printed the first time, the run costs nothing; the same for the answers streamed', async () => {
  const rec = await recording();
  const { plan, file, report } = await planFile(rec.traceId, 'all=1');
  assert.deepEqual([plan.calls.length, plan.liveCalls, plan.allRecorded], [3, 0, true]);
  const at = mock.requests.length;
  const app = await runApp({ LIVE_APP_FOLLOW_UP: '1', AGENT_LENS_RERUN_FILE: file, AGENT_LENS_RERUN_REPORT: report });
  assert.equal(mock.requests.length, at, `the mock heard nothing: ${app.err}`);
  assert.deepEqual(shown(app), shown(rec.app));
  assert.deepEqual(reportOf(report).map((l) => l.answeredBy), ['recording', 'recording', 'recording']);
  const calls = await modelCalls(traceOf(app), 3);
  assert.deepEqual(calls.map((c) => c.genai!.costUsd), [0, 0, 0]);
  // The recorded tokens stay on the calls (the diff compares them); the note says nothing was spent.
  assert.deepEqual(calls.map((c) => c.genai!.usage!.output), rec.calls.map((c) => c.genai!.usage!.output));
  const detail = await api(server)<{ span: ApiSpan }>(`/api/traces/${traceOf(app)}/spans/${calls[0]!.spanId}`);
  assert.ok(detail.span.genai!.notes!.some((n) => /answered from the recording/.test(n)), JSON.stringify(detail.span.genai!.notes));
  const summary = (await api(server)<{ summary: { costUsd: number | null } }>(`/api/traces/${traceOf(app)}/summary`)).summary;
  assert.equal(summary.costUsd, 0);
});

const withAgentRun = (flavour: Flavour) => [AGENT_RUN, flavour, `http://127.0.0.1:${server.httpPort}`, mock.url];
const CASES: { label: string; env: NodeJS.ProcessEnv; args?: () => string[] }[] = [
  { label: 'the openai SDK on chat completions, its first answer streamed (official instrumentation)', env: { LIVE_APP_STREAM: '1' } },
  { label: 'the openai SDK on responses (official instrumentation, which names the call chat)', env: { LIVE_APP_API: 'responses' } },
  { label: 'the openai SDK on responses, streamed', env: { LIVE_APP_API: 'responses', LIVE_APP_STREAM: '1' } },
  ...(['otel', 'openllmetry', 'openinference', 'vercel', 'vercel-otel', 'anthropic'] as Flavour[]).map((f) => ({
    label: `the agent harness's ${f} flavour (its second answer streamed${f === 'anthropic' ? ': no, Anthropic messages unstreamed' : ''})`, env: {}, args: () => withAgentRun(f),
  })),
];

const toolSteps = (t: TraceResponse) => t.spans.filter((s) => s.genai?.kind === 'tool').map((s) => `${s.genai!.toolName} ${s.genai!.argsPreview ?? ''}`).sort();

for (const c of CASES) {
  test(`"all recorded" with ${c.label}: the SDK reads the recorded answers as the model's (the same tools run with the same arguments, the same answer) and the mock hears nothing`, async () => {
    const at = mock.requests.length;
    const first = await runApp(c.env, c.args?.());
    const count = mock.requests.length - at;
    assert.ok(count >= 2);
    const traceId = traceOf(first);
    await modelCalls(traceId, count);
    const { plan, file, report } = await planFile(traceId, 'all=1');
    assert.equal(plan.calls.length, count, JSON.stringify(plan.gaps));
    const again = mock.requests.length;
    const app = await runApp({ ...c.env, AGENT_LENS_RERUN_FILE: file, AGENT_LENS_RERUN_REPORT: report }, c.args?.());
    assert.equal(mock.requests.length, again, `the mock heard nothing: ${app.err}`);
    assert.deepEqual(shown(app), shown(first));
    if (!c.args) assert.ok(shown(app).some((l) => /^ANSWER Lisbon will be 18°C/.test(l)), shown(app).join('\n'));
    assert.deepEqual(reportOf(report).map((l) => l.answeredBy), Array(count).fill('recording'));
    // The new run: the same tools with the same arguments as the recording's.
    await modelCalls(traceOf(app), count);
    const [a, b] = await Promise.all([traceId, traceOf(app)].map((id) => api(server)<TraceResponse>(`/api/traces/${id}`)));
    assert.deepEqual(toolSteps(b!), toolSteps(a!));
    assert.equal(toolSteps(a!).length, 2);
  });
}

test('the code changed to ask something else at call 1: the helper says so on stderr and every call goes to the model', async () => {
  const rec = await recording();
  const { file, report } = await planFile(rec.traceId, 'all=1');
  const at = mock.requests.length;
  const porto = LIVE_APP.user.replace('Lisbon', 'Porto');
  const app = await runApp({ LIVE_APP_FOLLOW_UP: '1', LIVE_APP_USER: porto, AGENT_LENS_RERUN_FILE: file, AGENT_LENS_RERUN_REPORT: report });
  assert.equal(mock.requests.length - at, 3);
  assert.equal(mock.requests[at]!.messages[0]!.content, porto);
  assert.match(app.err, /model call 1 asks something else than the recording \(at part 1 of the conversation: recorded "user: Plan a weekend in Lisbon.*now "user: Plan a weekend in Porto/);
  assert.deepEqual(reportOf(report).map((l) => l.answeredBy), ['model', 'model', 'model']);
});

test('`agent-lens rerun ID --all -- node app.js`: the app runs again with the recorded answers, and the command says which calls the recording answered and which run it made', async () => {
  const rec = await recording();
  const at = mock.requests.length;
  const { out, err, code } = await runProcess(process.execPath, [CLI, 'rerun', rec.traceId, '--all', '--url', `http://127.0.0.1:${server.httpPort}`, '--', process.execPath, APP, `http://127.0.0.1:${server.httpPort}`, mock.url],
    { AGENT_LENS_TOKEN: server.token, LIVE_APP_FOLLOW_UP: '1' });
  assert.equal(code, 0, err);
  assert.equal(mock.requests.length, at, err);
  const newRun = (JSON.parse(out.trim().split('\n').pop()!) as { traceId: string }).traceId;
  assert.match(err, /call 1: answered from the recording\n.*call 2: answered from the recording\n.*call 3: answered from the recording/);
  assert.match(err, new RegExp(`new run ${newRun} \\(a re-run of ${rec.traceId}\\); compare the two: .*#/diff/${rec.traceId}/${newRun}`));
  // Bad input: a step the run does not have, and no server there.
  const bad = await runProcess(process.execPath, [CLI, 'rerun', rec.traceId, '--from', '0123456789abcdef', '--url', `http://127.0.0.1:${server.httpPort}`, '--', 'true'], { AGENT_LENS_TOKEN: server.token });
  assert.equal(bad.code, 1);
  assert.match(bad.err, /no span 0123456789abcdef in trace/);
});
