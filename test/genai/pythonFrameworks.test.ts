// The captured Python framework runs, read as one: each capture's request bodies are posted as they
// arrived, and every figure is checked against the capture's truth (what the mock model and the
// tools saw: capture.json), with costs from @pydantic/genai-prices called here. One run per turn;
// model calls counted once; tokens per run, cached and reasoning where the instrumentation reports
// them; the tools' exact arguments and results; the final answer; names; nothing GenAI-looking left
// unread.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { calcPrice } from '@pydantic/genai-prices';
import { startTestServer, api } from '../helpers/server';
import { captureNames, postCapture, truthOf, type Truth, type TruthCall } from '../helpers/captures';
import type { RunningServer } from '../../src/server/server';
import type { ApiSpan, TraceListResponse, TraceResponse, TraceSummary } from '../../src/protocol';

// What each instrumentation reports (from the fixtures' README): cached and reasoning tokens are
// only expected where the instrumentation sends them.
const REPORTS: Record<string, { cached: boolean; reasoning: boolean }> = {
  'openai-v2-events': { cached: false, reasoning: false },
  'openai-v2-latest': { cached: false, reasoning: false },
  openllmetry: { cached: true, reasoning: true }, // reasoning is missing on streamed calls, and only turn 3 (not streamed) has any
  'openinference-openai': { cached: true, reasoning: true },
  'openai-agents': { cached: true, reasoning: true },
  'pydantic-ai': { cached: true, reasoning: true },
  strands: { cached: true, reasoning: false }, // Strands drops reasoning tokens
  'strands-latest': { cached: true, reasoning: false },
  langgraph: { cached: true, reasoning: true },
};

const CAPTURES = captureNames().filter((n) => n !== 'orphan-threadpool'); // its runs are split by design: see the orphan analysis

let server: RunningServer;
let get: ReturnType<typeof api>;
before(async () => {
  server = await startTestServer({ dataDir: null });
  get = api(server);
  for (const name of CAPTURES) await postCapture(name, server.httpPort);
});
after(async () => { await server.close(); });

function asJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try { return JSON.parse(v); } catch { return v; }
}

function textOf(s: ApiSpan): string | undefined {
  const last = s.genai?.outputMessages?.at(-1);
  const t = last?.parts.filter((p) => p.type === 'text').map((p) => (p as { content: string }).content).join('');
  return t || undefined;
}

/** The price of one model call as genai-prices gives it, for the token classes the capture reports. */
function priceOf(c: TruthCall, reports: { cached: boolean; reasoning: boolean }): number {
  const usage: Record<string, number> = { input_tokens: c.usage.input, output_tokens: c.usage.output };
  if (reports.cached && c.usage.cached) usage.cache_read_tokens = c.usage.cached;
  const r = calcPrice(usage, c.response_model, { providerId: 'openai' }) ?? calcPrice(usage, c.model, { providerId: 'openai' });
  assert.ok(r, `genai-prices knows ${c.response_model}`);
  return r.total_price;
}

async function runsOf(truth: Truth): Promise<{ turn: Truth['turns'][number]; summary: TraceSummary; full: TraceResponse }[]> {
  const list = await get<TraceListResponse>('/api/traces?limit=1000');
  const service = truth.resource['service.name'];
  const mine = list.traces.filter((t) => t.service === service);
  assert.equal(mine.length, truth.turns.length, `${truth.capture}: one run per turn (${mine.map((t) => t.rootName).join(', ')})`);
  const out = [];
  for (const turn of truth.turns) {
    // The run whose span times lie within the turn's wall time as the app measured it.
    const summary = mine.find((t) => BigInt(t.startTimeUnixNano) >= BigInt(turn.wall_start_ns) - 5_000_000n && BigInt(t.startTimeUnixNano) <= BigInt(turn.wall_end_ns));
    assert.ok(summary, `${truth.capture}: a run for turn ${turn.turn}`);
    out.push({ turn, summary, full: await get<TraceResponse>(`/api/traces/${summary.traceId}`) });
  }
  return out;
}

for (const name of CAPTURES) {
  test(`${name}: every turn reads fully against capture.json`, async () => {
    const truth = truthOf(name);
    const reports = REPORTS[name]!;
    assert.ok(reports, `${name}: say what it reports`);
    for (const { turn, summary, full } of await runsOf(truth)) {
      const at = `${name} turn ${turn.turn}`;
      const calls = turn.model_calls;
      const sum = (f: (c: TruthCall) => number) => calls.reduce((n, c) => n + f(c), 0);
      // Model calls, each counted once, and their tokens.
      assert.equal(summary.llmCalls, calls.length, `${at}: model calls`);
      assert.deepEqual(
        { input: summary.usage.input, output: summary.usage.output, cacheRead: summary.usage.cacheRead, reasoning: summary.usage.reasoning },
        { input: sum((c) => c.usage.input), output: sum((c) => c.usage.output),
          cacheRead: reports.cached ? sum((c) => c.usage.cached) : 0, reasoning: reports.reasoning ? sum((c) => c.usage.reasoning) : 0 },
        `${at}: tokens`);
      const cost = sum((c) => priceOf(c, reports));
      assert.ok(summary.costUsd !== null && Math.abs(summary.costUsd - cost) < 1e-9, `${at}: cost ${summary.costUsd} vs genai-prices ${cost}`);
      // The duration: the span times, and the app's own wall clock around the turn within 10%.
      const starts = full.spans.map((s) => BigInt(s.startTimeUnixNano)), ends = full.spans.map((s) => BigInt(s.endTimeUnixNano));
      const exact = ends.reduce((a, b) => (b > a ? b : a)) - starts.reduce((a, b) => (b < a ? b : a));
      assert.equal(summary.durationMs, Number(exact) / 1e6, `${at}: duration from the span times`);
      const wallMs = (turn.wall_end_ns - turn.wall_start_ns) / 1e6;
      assert.ok(Math.abs(summary.durationMs - wallMs) < wallMs * 0.1, `${at}: ${summary.durationMs} ms vs the app's ${wallMs} ms`);
      // The agent, by name.
      assert.ok(summary.agentNames.includes('support-desk'), `${at}: agent names ${JSON.stringify(summary.agentNames)}`);
      assert.ok(full.spans.some((s) => s.genai?.kind === 'agent'), `${at}: an agent step`);
      // Tools: each execution with its exact arguments, and its result or error.
      const tools = full.spans.filter((s) => s.genai?.kind === 'tool');
      assert.equal(tools.length, turn.tool_calls.length, `${at}: tool steps`);
      turn.tool_calls.forEach((tc, i) => {
        const g = tools[i]!.genai!;
        assert.equal(g.toolName, tc.name, `${at}: tool ${i} name`);
        assert.deepEqual(g.toolArguments, tc.arguments, `${at}: ${tc.name} arguments`);
        // LangGraph records a one-parameter tool's input as the bare value: the step says where its arguments came from.
        if (name === 'langgraph' && tc.name === 'lookup_order') assert.match((g.notes ?? []).join(' '), /arguments taken from the model's tool call \(ChatOpenAI\); the tool span recorded "A-1042"/);
        if (tc.error) {
          assert.equal(tools[i]!.status.code, 2, `${at}: ${tc.name} failed`);
          const said = `${g.error ?? ''} ${tools[i]!.status.message} ${JSON.stringify(g.toolResult ?? '')}`;
          assert.ok(said.includes(tc.error.message.slice(0, 40)), `${at}: ${tc.name} says why it failed: ${said.slice(0, 300)}`);
        } else {
          // A tool that returns JSON text: compared as the value it encodes, whichever side parsed it.
          assert.deepEqual(asJson(g.toolResult), asJson(tc.result), `${at}: ${tc.name} result`);
        }
      });
      // The answer: the last model call's text.
      const llms = full.spans.filter((s) => s.genai?.kind === 'llm' && s.genai.countsUsage);
      const last = llms.reduce((a, b) => (BigInt(b.startTimeUnixNano) > BigInt(a.startTimeUnixNano) ? b : a));
      assert.equal(textOf(last)?.trim(), turn.answer.trim(), `${at}: the answer`);
      // Nothing GenAI-looking left unread.
      const unmapped = [...new Set(full.spans.flatMap((s) => s.genai?.unmappedKeys ?? []))];
      assert.deepEqual(unmapped, [], `${at}: unread keys`);
    }
  });
}
