// Requests rebuilt from the captured Python framework runs (issue 26): each model call of each
// capture, rebuilt from its span, against the capture's truth (capture.json: what the mock model
// was asked and answered, what each tool got and returned). The truth has no whole request bodies,
// so what it has is checked: the API, the model, the system prompt and the user's question, every
// tool call with the exact arguments the model gave, every tool result as the tool returned it (or
// its error), and nothing a provider would reject.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api } from '../helpers/server';
import { captureNames, postCapture, truthOf, type TruthCall } from '../helpers/captures';
import { checkRequest } from '../../src/genai/rebuild';
import type { RunningServer } from '../../src/server/server';
import type { ApiSpan, TraceListResponse, TraceResponse } from '../../src/protocol';
import type { ModelRequestResponse } from '../../src/server/replayApi';

let server: RunningServer;
before(async () => { server = await startTestServer({ dataDir: null }); });
after(async () => { await server.close(); });

const ns = (s: string) => BigInt(s);
/** The capture's model call a span recorded: by response id, else the one its time overlaps most. */
function callOf(span: ApiSpan, calls: TruthCall[]): TruthCall | undefined {
  const byId = calls.find((c) => c.response_id && c.response_id === span.genai?.responseId);
  if (byId) return byId;
  const [s, e] = [ns(span.startTimeUnixNano), ns(span.endTimeUnixNano)];
  let best: TruthCall | undefined;
  let most = 0n;
  for (const c of calls) {
    const [cs, ce] = [BigInt(String(c.t_start_ns)), BigInt(String(c.t_end_ns))];
    const overlap = (e < ce ? e : ce) - (s > cs ? s : cs);
    if (overlap > most) { most = overlap; best = c; }
  }
  return best;
}

interface Chatty { role?: string; content?: unknown; tool_calls?: { id: string; function: { arguments: string } }[]; tool_call_id?: string; type?: string; call_id?: string; arguments?: string; output?: string }

for (const name of captureNames()) {
  test(`${name}: every model call rebuilt from its span carries what the capture says the model was asked`, async () => {
    await postCapture(name, server.httpPort);
    const truth = truthOf(name);
    const scenario = truth.scenario as { system_prompt: string };
    const calls = truth.turns.flatMap((t) => t.model_calls);
    const tools = truth.turns.flatMap((t) => t.tool_calls);
    const list = await api(server)<TraceListResponse>(`/api/traces?limit=1000&service=${encodeURIComponent(truth.resource['service.name']!)}`);
    let checked = 0;
    const idsSeen = new Set<string>();
    const seen = new Set<number>();
    for (const s of list.traces) {
      const t = await api(server)<TraceResponse>(`/api/traces/${s.traceId}`);
      // (Model calls counted once: a framework's span over the provider's is not a second call.)
      for (const span of t.spans.filter((x) => x.genai?.kind === 'llm' && x.genai.countsUsage)) {
        const call = callOf(span, calls);
        assert.ok(call, `${span.name} ${span.spanId}: no call of the capture at its time`);
        seen.add(call.seq);
        const { request } = await api(server)<ModelRequestResponse>(`/api/traces/${s.traceId}/spans/${span.spanId}/request`);
        const body = request.body as { model: string; messages?: Chatty[]; input?: Chatty[]; instructions?: string };
        assert.equal(request.format, call.api === 'responses' ? 'openai.responses' : 'openai.chat', `${span.name}: ${call.api}`);
        assert.ok([call.model, call.response_model].includes(body.model), `${body.model} vs ${call.model}`);
        assert.deepEqual(checkRequest(request.format, body).filter((p) => p.severity === 'error'), []);
        const items = body.messages ?? body.input ?? [];
        if (call.kind === 'agent') {
          const system = body.instructions ?? items.find((m) => m.role === 'system')?.content;
          assert.equal(system, scenario.system_prompt);
          const users = items.filter((m) => m.role === 'user').map((m) => m.content);
          assert.equal(users[users.length - 1], truth.turns.find((x) => x.turn === call.turn)!.user);
        }
        // Every tool call: the arguments the model gave, exactly (as JSON); every result: what the tool returned, or its error.
        const made = items.flatMap((m) => (m.tool_calls ?? []).map((c) => [c.id, c.function.arguments] as const)
          .concat(m.type === 'function_call' ? [[m.call_id!, m.arguments!] as const] : []));
        for (const [id, args] of made) {
          idsSeen.add(id);
          const asked = calls.find((c) => c.tool?.id === id);
          assert.ok(asked, `tool call ${id} is not one the model made`);
          assert.deepEqual(JSON.parse(args), asked.tool!.arguments);
        }
        const results = items.flatMap((m) => (m.role === 'tool' ? [[m.tool_call_id!, String(m.content)] as const] : m.type === 'function_call_output' ? [[m.call_id!, m.output!] as const] : []));
        for (const [id, out] of results) {
          const ran = tools.find((x) => x.tool_call_id === id);
          assert.ok(ran, `a result for ${id}, which no tool ran`);
          if (ran.error) assert.ok(out.includes(ran.error.message), `${id}: ${out} lacks ${ran.error.message}`);
          else if (out !== ran.result) {
            // The exact text where the recording kept it; its value where the instrumentation recorded a value.
            assert.deepEqual(JSON.parse(out), typeof ran.result === 'string' ? JSON.parse(ran.result) : ran.result, `${id}: ${out} vs ${JSON.stringify(ran.result)}`);
          }
        }
        checked++;
      }
    }
    assert.equal(seen.size, calls.length, `every model call of the capture was found: ${[...seen].sort()} of ${calls.map((c) => c.seq)}`);
    assert.ok(checked >= calls.length);
    // Every tool call the model made is in a later request (the conversation carries them on).
    assert.deepEqual([...idsSeen].sort(), calls.filter((c) => c.tool).map((c) => c.tool!.id).sort());
  });
}
