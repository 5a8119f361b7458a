// One two-turn, tool-using agent (test/helpers/agentRun.ts) against the mock model server, run
// under each real instrumentation package from npm (five: the official OTel openai
// instrumentation, OpenLLMetry, OpenInference, Vercel ai@6's ai.* spans, ai@7's gen_ai.* spans) and exported with the real OTLP exporter to a
// real server: whichever library wrote the telemetry, the normalized run must be the same — same
// steps and kinds, model, messages, tool arguments and results, tool calls linked to the spans
// that ran them, tokens equal to the mock server's `usage`, the same cost, and no key left unread.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestServer, api, waitFor } from '../helpers/server';
import { startMockModel, TOOL_ARGS, type MockModel } from '../../src/demo/mockModel';
import { AGENT, type Flavour } from '../helpers/agentRun';
import { calcPrice } from '@pydantic/genai-prices';
import type { ApiSpan, Message, TraceResponse } from '../../src/protocol';
import type { RunningServer } from '../../src/server/server';

let server: RunningServer;
let mock: MockModel;
before(async () => {
  server = await startTestServer();
  mock = await startMockModel();
});
after(async () => {
  await mock.close();
  await server.close();
});

async function run(flavour: Flavour): Promise<{ trace: TraceResponse; usages: MockModel['usages'] }> {
  const from = mock.usages.length;
  const { stdout } = await promisify(execFile)(process.execPath,
    [path.join(__dirname, '..', 'helpers', 'agentRun.js'), flavour, `http://127.0.0.1:${server.httpPort}`, mock.url], { timeout: 60_000 });
  const { traceId } = JSON.parse(stdout.trim().split('\n').pop()!) as { traceId: string };
  const get = api(server);
  // Every span is exported before the process exits; wait for the root to be in.
  const trace = await waitFor('the run', async () => {
    const t = await get<TraceResponse>(`/api/traces/${traceId}`);
    return t.summary.rootPending || t.spans.length < 5 ? undefined : t;
  });
  return { trace, usages: mock.usages.slice(from) };
}

const text = (m: Message | undefined) => m?.parts.filter((p) => p.type === 'text').map((p) => (p as { content: string }).content).join('');
const FINAL = 'Lisbon will be 18°C and sunny; the cheapest flight BER→LIS on Dec 4 is TP 541 at €89.';

// What each library reports, where they differ on purpose (found by running them): OpenLLMetry
// 0.27 and OpenInference 4.2 record no usage for a streamed call, even with include_usage; ai@7's
// OpenTelemetry() drops the telemetry metadata (so no conversation id) and adds a step span per
// model turn (kind workflow).
// (Anthropic's instrumentation is run for the what-if tests, test/server/replay.test.ts.)
const EXPECT: Record<Exclude<Flavour, 'anthropic'>, { schemas: string[]; streamedUsage: boolean; conversation: boolean; steps: number }> = {
  otel: { schemas: ['otel-genai-current', 'otel-genai-events', 'otel-genai-current', 'otel-genai-current', 'otel-genai-events'], streamedUsage: true, conversation: true, steps: 0 },
  openllmetry: { schemas: ['openllmetry', 'otel-genai-current', 'openllmetry', 'openllmetry', 'otel-genai-current'], streamedUsage: false, conversation: true, steps: 0 },
  openinference: { schemas: Array(5).fill('openinference'), streamedUsage: false, conversation: true, steps: 0 },
  vercel: { schemas: Array(5).fill('vercel-ai'), streamedUsage: true, conversation: true, steps: 0 },
  'vercel-otel': { schemas: Array(5).fill('otel-genai-current'), streamedUsage: true, conversation: false, steps: 2 },
};

for (const flavour of Object.keys(EXPECT) as (keyof typeof EXPECT)[]) {
  test(`${flavour}: the agent run normalizes to the same steps, messages, tools, tokens and cost`, async () => {
    const { trace, usages } = await run(flavour);
    assert.equal(usages.length, 2, 'the agent made two model calls');
    assert.equal(trace.spans.filter((s) => s.genai?.kind === 'workflow').length, EXPECT[flavour].steps, 'grouping (step) spans');
    const steps = trace.spans.filter((s) => s.genai && s.genai.kind !== 'workflow');
    assert.deepEqual(steps.map((s) => s.genai!.kind), ['agent', 'llm', 'tool', 'tool', 'llm'], 'steps and kinds, parents first');
    assert.deepEqual(steps.map((s) => s.genai!.schema), EXPECT[flavour].schemas, 'each span names the convention it came in');
    const [agent, llm1, weather, flights, llm2] = steps as [ApiSpan, ApiSpan, ApiSpan, ApiSpan, ApiSpan];

    assert.equal(agent.genai!.agentName, AGENT.name);
    if (EXPECT[flavour].conversation) {
      assert.equal(agent.genai!.conversationId, AGENT.conversationId);
      assert.equal(trace.summary.conversationId, AGENT.conversationId);
    }
    assert.deepEqual(trace.summary.agentNames, [AGENT.name]);

    for (const llm of [llm1, llm2]) {
      const g = llm.genai!;
      assert.equal(g.provider, 'openai');
      assert.match(g.responseModel ?? g.requestModel ?? '', /^gpt-4o-mini/);
      assert.equal(text({ role: 'system', parts: g.systemInstructions ?? [] }), AGENT.system, 'system instructions');
      assert.equal(g.inputMessages?.[0]?.role, 'user');
      assert.equal(text(g.inputMessages?.[0]), AGENT.user);
      assert.equal(g.contentCaptured, true);
    }
    // Call 1 asks for both tools, with the arguments the model sent.
    const calls = llm1.genai!.outputMessages![0]!.parts.filter((p) => p.type === 'tool_call') as { id?: string; name: string; arguments: unknown }[];
    assert.deepEqual(calls.map((c) => [c.name, c.arguments]), AGENT.tools.map((t) => [t.name, TOOL_ARGS[t.name]]));
    assert.ok(calls.every((c) => /^call_\d+_\d$/.test(c.id ?? '')), 'tool call ids kept');
    assert.deepEqual(llm1.genai!.finishReasons, ['tool_call']);
    // Call 2 sees the tool results and answers.
    const responses = llm2.genai!.inputMessages!.flatMap((m) => m.parts).filter((p) => p.type === 'tool_call_response') as { id?: string; response: unknown }[];
    assert.deepEqual(responses.map((r) => r.response), AGENT.tools.map((t) => t.result));
    assert.equal(text(llm2.genai!.outputMessages?.[0]), FINAL);
    assert.deepEqual(llm2.genai!.finishReasons, ['stop']);

    // Tools: name, arguments, result, and the call in call 1 they ran.
    for (const [span, t] of [[weather, AGENT.tools[0]!], [flights, AGENT.tools[1]!]] as const) {
      const g = span.genai!;
      assert.equal(g.toolName, t.name);
      assert.deepEqual(g.toolArguments, TOOL_ARGS[t.name]);
      assert.deepEqual(g.toolResult, t.result);
      assert.equal(g.toolCalls?.length, 1, `${t.name} is linked to the call it ran`);
      const link = g.toolCalls![0]!;
      assert.equal(link.llmSpanId, llm1.spanId);
      assert.equal(link.toolCallId, calls.find((c) => c.name === t.name)!.id);
      // Schemas with call ids on tool spans link by id; the others by name and order.
      assert.equal(link.by, flavour === 'openllmetry' || flavour === 'openinference' ? 'name_order' : 'call_id');
    }
    assert.equal(llm1.genai!.toolCalls?.length, 2);
    assert.equal(llm2.genai!.toolCalls, undefined, 'call 2 asked for no tools');

    // Tokens equal the mock server's usage; each call once, so Vercel's outer span is not added again.
    assert.deepEqual(pick(llm1.genai!.usage), { input: usages[0]!.prompt_tokens, output: usages[0]!.completion_tokens });
    // Prices from the price library itself, called here (not the project's pricing).
    const priced1 = calcPrice({ input_tokens: usages[0]!.prompt_tokens, output_tokens: usages[0]!.completion_tokens }, 'gpt-4o-mini', { providerId: 'openai' })!.total_price;
    assert.ok(Math.abs(llm1.genai!.costUsd! - priced1) < 1e-12, 'cost of call 1');
    assert.equal(llm1.genai!.cost?.source.startsWith('genai-prices'), true);
    assert.equal(llm1.genai!.cost?.model, 'gpt-4o-mini');
    let total = { input: usages[0]!.prompt_tokens, output: usages[0]!.completion_tokens };
    if (EXPECT[flavour].streamedUsage) {
      assert.deepEqual(pick(llm2.genai!.usage), { input: usages[1]!.prompt_tokens, output: usages[1]!.completion_tokens });
      total = { input: total.input + usages[1]!.prompt_tokens, output: total.output + usages[1]!.completion_tokens };
      assert.equal(trace.summary.callsWithoutUsage, 0);
    } else {
      assert.equal(llm2.genai!.usage, undefined, 'no usage invented for the streamed call');
      assert.match(llm2.genai!.notes!.join(' '), /reported no token usage/);
      assert.equal(trace.summary.callsWithoutUsage, 1);
    }
    assert.equal(trace.summary.llmCalls, 2);
    assert.deepEqual(pick(trace.summary.usage), total, 'run totals count each model call once');
    const expectedCost = calcPrice({ input_tokens: total.input, output_tokens: total.output }, 'gpt-4o-mini', { providerId: 'openai' })!.total_price;
    assert.ok(Math.abs(trace.summary.costUsd! - expectedCost) < 1e-12, `run cost ${trace.summary.costUsd} = ${expectedCost}`);
    assert.equal(trace.byModel.length, 1);
    assert.deepEqual(pick(trace.byModel[0]!.usage), total);

    // The schema report: every GenAI-looking key these libraries write is understood.
    for (const s of steps) assert.deepEqual(s.genai!.unmappedKeys, undefined, `${s.name}: unread keys ${s.genai!.unmappedKeys}`);
  });
}

const pick = (u: { input: number; output: number } | undefined) => u && { input: u.input, output: u.output };
