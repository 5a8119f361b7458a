// `npm run demo` sends a realistic run, and a consistent one: every tool that runs answers a tool
// call of the model output just before it (by call id), every call the model makes is run once, a
// failed tool is seen by the model (which calls again).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestServer, api, tmpDir } from '../helpers/server';
import type { TraceListResponse, TraceResponse } from '../../src/protocol';

const DEMO = path.join(__dirname, '..', '..', 'dist', 'demo.js');
let close: (() => Promise<void>) | undefined;
after(async () => { await close?.(); });

test('the demo\'s transcripts match the tools that run', async () => {
  const server = await startTestServer({ dataDir: null });
  close = () => server.close();
  await promisify(execFile)(process.execPath, [DEMO], { env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${server.httpPort}` } });
  const get = api(server);
  const list = await get<TraceListResponse>('/api/traces');
  assert.equal(list.total, 2);
  let failures = 0;
  for (const t of list.traces) {
    const r = await get<TraceResponse>(`/api/traces/${t.traceId}`);
    const calls = r.spans.flatMap((s) => (s.genai?.kind === 'llm' ? s.genai.outputMessages ?? [] : []).flatMap((m) => m.parts))
      .filter((p) => p.type === 'tool_call') as { id: string; name: string }[];
    const tools = r.spans.filter((s) => s.genai?.kind === 'tool');
    assert.deepEqual(tools.map((s) => s.genai!.toolCallId).sort(), calls.map((c) => c.id).sort(), 'each call run once, each run asked for');
    for (const s of tools) {
      assert.equal(s.genai!.toolCalls?.[0]?.by, 'call_id');
      assert.equal(calls.find((c) => c.id === s.genai!.toolCallId)!.name, s.genai!.toolName);
      if (s.status.code === 2) {
        failures++;
        // The next model call was told, and asked for the same tool again.
        const told = r.spans.some((x) => x.genai?.kind === 'llm' && (x.genai.inputMessages ?? []).some((m) => m.parts.some((p) => p.type === 'tool_call_response'
          && (p as { id?: string }).id === s.genai!.toolCallId && JSON.stringify((p as { response?: unknown }).response).includes('error'))));
        assert.ok(told, 'the model saw the failure');
        assert.equal(tools.filter((x) => x.genai!.toolName === s.genai!.toolName).length, 2);
      }
    }
  }
  assert.equal(failures, 1, 'one failed booking');
});

interface DemoReport { endpoint: string; conversationId: string; modelRequests: number; runs: { traceId: string; question: string; failed: { span: string; step: string; retriedOk: boolean }[] }[] }

test('the demo\'s retried booking is a recovered run, not a failed one: every failure the demo made (the tool and its HTTP call) was retried and got through; each invocation is a conversation of its own', async () => {
  const server = await startTestServer({ dataDir: null });
  try {
    const reports: DemoReport[] = [];
    for (let i = 0; i < 2; i++) {
      const file = path.join(tmpDir('al-demo-'), 'report.json');
      const { stdout } = await promisify(execFile)(process.execPath, [DEMO, '--report', file], { env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${server.httpPort}` } });
      const report = JSON.parse(fs.readFileSync(file, 'utf8')) as DemoReport;
      reports.push(report);
      // It says what happens as it goes: both questions, the failed booking, where the runs went.
      for (const r of report.runs) assert.ok(stdout.includes(`You: ${r.question}`), stdout);
      assert.match(stdout, /tool book_flight failed: payment gateway timed out/);
      assert.ok(stdout.includes(`Sent 2 agent runs (service travel-agent-demo, conversation ${report.conversationId})`), stdout);
    }
    assert.notEqual(reports[0]!.conversationId, reports[1]!.conversationId);
    const get = api(server);
    const list = await get<TraceListResponse>('/api/traces');
    for (const report of reports) {
      const mine = list.traces.filter((t) => report.runs.some((r) => r.traceId === t.traceId));
      assert.equal(mine.length, 2);
      assert.deepEqual(new Set(mine.map((t) => t.conversationId)), new Set([report.conversationId]), 'one conversation per invocation');
      for (const r of report.runs) {
        const t = mine.find((x) => x.traceId === r.traceId)!;
        assert.equal(t.errorCount, r.failed.length, `${r.question}: the spans the demo marked failed`);
        assert.equal(t.recoveredErrors ?? 0, r.failed.filter((f) => f.retriedOk).length, `${r.question}: recovered`);
      }
      const booking = report.runs.find((r) => r.failed.length)!;
      assert.deepEqual(booking.failed.map((f) => f.span).sort(), ['POST', 'execute_tool book_flight'], 'the tool and its HTTP call failed');
      assert.ok(booking.failed.every((f) => f.retriedOk));
    }
    const convs = (await get<{ conversations: { id: string; turns: number }[] }>('/api/conversations')).conversations;
    for (const report of reports) assert.equal(convs.find((c) => c.id === report.conversationId)?.turns, 2);
  } finally {
    await server.close();
  }
});

test('the packaged build\'s sample (node esbuild.mjs --production): its steps link to the shipped source with their own function names, and that source type-checks clean where it is shipped (no node_modules)', async () => {
  const root = path.join(__dirname, '..', '..');
  const out = tmpDir('al-prod-');
  await promisify(execFile)(process.execPath, ['esbuild.mjs', '--production', `--outdir=${out}`], { cwd: root });
  const server = await startTestServer({ dataDir: null });
  try {
    const report = path.join(out, 'report.json');
    await promisify(execFile)(process.execPath, ['--enable-source-maps', '--require', path.join(out, 'capture-node.js'), path.join(out, 'demo.js'), '--report', report],
      { env: { ...process.env, NODE_OPTIONS: '', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${server.httpPort}` } });
    const shipped = path.join(out, 'sample', 'demo.ts');
    const text = fs.readFileSync(shipped, 'utf8');
    assert.equal(text, fs.readFileSync(path.join(root, 'src', 'demo', 'demo.ts'), 'utf8'), 'the shipped copy is the source');
    const get = api(server);
    const { runs } = JSON.parse(fs.readFileSync(report, 'utf8')) as DemoReport;
    const llm = (await Promise.all(runs.map((r) => get<TraceResponse>(`/api/traces/${r.traceId}`)))).flatMap((t) => t.spans).filter((s) => s.genai?.kind === 'llm');
    assert.ok(llm.length >= 4);
    for (const s of llm) {
      const at = s.genai!.source?.[0];
      assert.ok(at, `${s.name} has a source`);
      assert.equal(path.resolve(at.path), shipped);
      assert.equal(at.function, 'chat', 'the function\'s own name, not a minified one');
      // The line is where the model call's span starts in the shipped text.
      assert.match(text.split('\n')[at.line - 1]!, /startActiveSpan\(`chat /);
    }
    // What the editor's TypeScript reports for the shipped copy, with its tsconfig: nothing.
    const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
    const r = await promisify(execFile)(tsc, ['-p', path.join(out, 'sample')]).then(() => ({ code: 0, stdout: '' }), (e: { code: number; stdout: string }) => e);
    assert.equal(r.code, 0, r.stdout);
  } finally {
    await server.close();
  }
});
