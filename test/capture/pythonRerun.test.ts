// Re-run From Here in Python (capture/python/agent_lens_rerun.py, loaded by the sitecustomize on
// PYTHONPATH): the Node agent (test/helpers/liveApp.ts, real openai SDK and instrumentation) is
// recorded against the mock model; the same agent written in Python on httpx (the client the
// openai and anthropic Python SDKs send through; test/helpers/rerun_httpx_app.py) then runs with
// the helper in re-run mode. The truth is the mock model's request log and what the apps printed.
// It needs httpx: where it does not import, the tests are skipped saying so (Debian's python3-httpx,
// or AGENT_LENS_TEST_PYTHONPATH naming where it is). Sizes: runs of 3 model calls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runProcess, type ProcessOutput } from '../helpers/process';
import { startTestServer, api, waitFor, tmpDir, settledPlan } from '../helpers/server';
import { startMockModel, type MockModel } from '../../src/demo/mockModel';
import { LIVE_APP } from '../helpers/liveApp';
import type { RunningServer } from '../../src/server/server';
import type { RerunPlan, TraceResponse } from '../../src/protocol';

const ROOT = path.join(__dirname, '..', '..');
const NODE_APP = path.join(ROOT, 'dist-test', 'helpers', 'liveApp.js');
const PY_APP = path.join(ROOT, 'test', 'helpers', 'rerun_httpx_app.py');
const HELPER_DIR = path.join(ROOT, 'dist', 'capture-python');
const EXTRA = process.env.AGENT_LENS_TEST_PYTHONPATH ? `:${process.env.AGENT_LENS_TEST_PYTHONPATH}` : '';
const probe = spawnSync('python3', ['-c', 'import httpx'], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: EXTRA.slice(1) } });
const noHttpx = probe.error ? 'python3 is not installed'
  : probe.status !== 0 ? 'httpx cannot be imported here (python3 -c "import httpx" fails; apt-get install python3-httpx, or AGENT_LENS_TEST_PYTHONPATH naming where it is)' : false;

let server: RunningServer;
let mock: MockModel;
const dir = tmpDir('al-pyrerun-');
before(async () => { server = await startTestServer({ dataDir: null }); mock = await startMockModel(); });
after(async () => { await mock.close(); await server.close(); });

const lines = (o: ProcessOutput) => o.out.trim().split('\n').filter((l) => /^(TOOL|ANSWER) /.test(l));

const recordings = new Map<string, { traceId: string; out: ProcessOutput; calls: string[] }>();
/** The Node agent's 3-call run, recorded once per way of asking (streamed first answer or not). */
async function recording(stream: boolean) {
  const key = String(stream);
  if (recordings.has(key)) return recordings.get(key)!;
  const out = await runProcess(process.execPath, [NODE_APP, `http://127.0.0.1:${server.httpPort}`, mock.url], { LIVE_APP_FOLLOW_UP: '1', ...(stream ? { LIVE_APP_STREAM: '1' } : {}) });
  assert.equal(out.code, 0, out.err);
  const traceId = (JSON.parse(out.out.trim().split('\n').pop()!) as { traceId: string }).traceId;
  const t = await waitFor('its 3 model calls', async () => {
    const r = await api(server)<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
    return r && r.spans.filter((s) => s.genai?.kind === 'llm').length >= 3 ? r : undefined;
  });
  const calls = t.spans.filter((s) => s.genai?.kind === 'llm').sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1)).map((s) => s.spanId);
  const r = { traceId, out, calls };
  recordings.set(key, r);
  return r;
}

async function pyRerun(traceId: string, q: string, env: NodeJS.ProcessEnv = {}): Promise<{ app: ProcessOutput; report: { call: number; answeredBy: string; why?: string }[]; plan: RerunPlan }> {
  const plan = await settledPlan(server, traceId, q);
  const file = path.join(dir, `${traceId}.${q.replace(/\W/g, '_')}.${Date.now()}.json`);
  fs.writeFileSync(file, JSON.stringify(plan));
  const report = `${file}.report`;
  const app = await runProcess('python3', [PY_APP, mock.url], { PYTHONPATH: HELPER_DIR + EXTRA, AGENT_LENS_RERUN_FILE: file, AGENT_LENS_RERUN_REPORT: report, ...env });
  assert.equal(app.code, 0, app.err);
  const text = fs.existsSync(report) ? fs.readFileSync(report, 'utf8').trim() : '';
  return { app, plan, report: text ? text.split('\n').map((l) => JSON.parse(l) as { call: number; answeredBy: string; why?: string }) : [] };
}

for (const [label, env] of [['httpx.Client, JSON answers', {}], ['httpx.AsyncClient, the first answer streamed', { LIVE_APP_ASYNC: '1', LIVE_APP_STREAM: '1' }]] as const) {
  test(`Python, all recorded, on ${label}: the mock hears nothing; the tools run with the recorded arguments and the answers are the recorded ones`, { skip: noHttpx }, async () => {
    const rec = await recording('LIVE_APP_STREAM' in env);
    const heard = mock.requests.length;
    const { app, report } = await pyRerun(rec.traceId, 'all=1', env);
    assert.equal(mock.requests.length, heard, `the mock heard nothing: ${app.err}`);
    assert.deepEqual(lines(app), lines(rec.out));
    assert.deepEqual(report.map((l) => l.answeredBy), ['recording', 'recording', 'recording']);
    assert.match(app.err, /re-run of [0-9a-f]{32}: 3 model calls answered from the recording/);
  });
}

test('Python, from step 2: call 1 answered from the recording (the mock never hears it), calls 2 and 3 by the model', { skip: noHttpx }, async () => {
  const rec = await recording(false);
  const heard = mock.requests.length;
  const { app, report } = await pyRerun(rec.traceId, `from=${rec.calls[1]}`);
  assert.equal(mock.requests.length - heard, 2);
  assert.ok(mock.requests[heard]!.messages.some((m) => m.role === 'tool'), 'the first request the mock heard is call 2');
  assert.equal(mock.requests[heard + 1]!.messages.at(-1)!.content, LIVE_APP.followUp);
  assert.deepEqual(lines(app), lines(rec.out));
  assert.deepEqual(report.map((l) => [l.call, l.answeredBy]), [[1, 'recording'], [2, 'model'], [3, 'model']]);
});

test('Python, the question changed: the helper says where the call differs and every call goes to the model', { skip: noHttpx }, async () => {
  const rec = await recording(false);
  const heard = mock.requests.length;
  const porto = LIVE_APP.user.replace('Lisbon', 'Porto');
  const { app, report } = await pyRerun(rec.traceId, 'all=1', { LIVE_APP_USER: porto });
  assert.equal(mock.requests.length - heard, 3);
  assert.equal(mock.requests[heard]!.messages[0]!.content, porto);
  assert.match(app.err, /model call 1 asks something else than the recording \(at part 1 of the conversation: recorded "user: Plan a weekend in Lisbon.*now "user: Plan a weekend in Porto/);
  assert.deepEqual(report.map((l) => l.answeredBy), ['model', 'model', 'model']);
});
