// Re-run From Here (issue 26), in the user's Node app: with AGENT_LENS_RERUN_FILE naming a re-run
// plan (GET /api/traces/{id}/rerun, src/protocol/replay.ts RerunPlan), the app's model calls are
// answered from the recording, in order, while each asks what the recorded call asked; the first
// call that asks something else, and every call after the recorded ones, goes to the model. Calls
// are taken at the global fetch, as the live gate takes them (gate.ts: the openai, Anthropic and
// Vercel AI SDKs send through it), so any framework built on those SDKs is covered.
//
// An answer from the recording is the provider's own format (JSON, or its event stream when the
// app asked for one), so the SDK and the app read it as they read the model's. The call's span
// (the instrumentation's, active around the request) says where its answer came from
// (`agent_lens.replayed_from`: it cost nothing); every GenAI span names the run re-run
// (`agent_lens.rerun_of`). AGENT_LENS_RERUN_REPORT, when set, gets a JSON line per call: which run it
// is in, and whether the recording or the model answered (the editor and `agent-lens rerun` read it).
//
// It must never break the app: a plan that cannot be read leaves every call to the model, and
// stderr says why; a failure of its own sends the call to the model.
import * as fs from 'node:fs';
import { requestDifference, requestTranscript, type RecordedCall, type RequestFormat, type RerunPlan } from '../../src/protocol/replay';
import { modelCall } from './gate';

type Fetch = typeof fetch;
type SpanLike = { setAttribute(k: string, v: unknown): unknown; spanContext?(): { traceId?: string; spanId?: string } };
const PATCHED = Symbol.for('agent-lens.rerun.patched');


/** The plan, read once as the app starts; undefined (said on stderr) when there is none to follow. */
export function loadPlan(file: string, log: (line: string) => void): RerunPlan | undefined {
  try {
    const plan = JSON.parse(fs.readFileSync(file, 'utf8')) as RerunPlan;
    if (!plan || !Array.isArray(plan.calls)) throw new Error('it holds no model calls');
    return plan;
  } catch (e) {
    log(`re-run: cannot read the plan ${file} (${(e as Error).message}); every model call goes to the model`);
    return undefined;
  }
}

/** The recorded answer as the Response the provider would have sent. */
function answerOf(call: RecordedCall, format: RequestFormat, body: Record<string, unknown>): Response {
  const headers = { 'x-agent-lens-replayed-from': call.spanId };
  const answer = call.answers[format]!;
  if (body.stream !== true) return new Response(JSON.stringify(answer.body), { status: 200, headers: { ...headers, 'content-type': 'application/json' } });
  const usage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const text = answer.stream.filter((e) => !e.usageChunk || usage).map((e) => `${e.event ? `event: ${e.event}\n` : ''}data: ${e.data}\n\n`).join('');
  return new Response(text, { status: 200, headers: { ...headers, 'content-type': 'text/event-stream' } });
}

/**
 * Puts the re-run's fetch in front of the global one (after the gate's, so an answer from the
 * recording never pauses). `activeSpan`: the span active where the app is (the call's own).
 */
export function rerunFetch(plan: RerunPlan, activeSpan: () => SpanLike | undefined, log: (line: string) => void, report: string | undefined): void {
  const g = globalThis as { fetch?: Fetch };
  const original = g.fetch;
  if (typeof original !== 'function' || (original as unknown as Record<symbol, unknown>)[PATCHED]) return;
  let n = 0;
  let diverged = false;
  let saidLive = false;
  const write = (line: Record<string, unknown>) => {
    if (!report) return;
    try { fs.appendFileSync(report, JSON.stringify(line) + '\n'); } catch { /* the re-run goes on without its report */ }
  };
  const span = () => { try { return activeSpan(); } catch { return undefined; } };
  const ids = (s: SpanLike | undefined) => { try { return s?.spanContext?.() ?? {}; } catch { return {}; } };
  log(`re-run of ${plan.traceId}: ${plan.calls.length} model call${plan.calls.length === 1 ? '' : 's'} answered from the recording, ${plan.allRecorded ? 'none sent to the model while they match' : 'then the model'}`);
  const rerun = function fetch(this: unknown, input: Parameters<Fetch>[0], init?: Parameters<Fetch>[1]): ReturnType<Fetch> {
    let call: ReturnType<typeof modelCall>;
    try { call = modelCall(input, init); } catch { call = undefined; }
    if (!call) return original.call(this, input, init);
    const k = n++;
    const s = span();
    const where = ids(s);
    const live = (why: string) => {
      write({ call: k + 1, traceId: where.traceId, spanId: where.spanId, answeredBy: 'model', why });
      return original.call(this, input, init);
    };
    try {
      const recorded = plan.calls[k];
      if (diverged) return live('an earlier call asked something else than the recording');
      if (!recorded) {
        if (!saidLive) { saidLive = true; log(`re-run: model call ${k + 1} and the calls after it go to the model${plan.calls.length ? ` (the recording answered calls 1–${plan.calls.length})` : ''}`); }
        return live(plan.allRecorded ? 'the recording has no more model calls' : 'the re-run is live from here');
      }
      const { format } = call;
      // (Compared as conversations: the recording may not say which of the APIs was called.)
      const differs = !recorded.answers?.[format]
        ? `it is a ${format} request, and the recording's answer is not in that format`
        : requestDifference(requestTranscript(recorded.format, recorded.request), requestTranscript(format, call.body));
      if (differs) {
        diverged = true;
        log(`re-run: model call ${k + 1} asks something else than the recording (${differs}); it and the calls after it go to the model`);
        return live(`it asks something else than the recording: ${differs}`);
      }
      if (s) {
        try { s.setAttribute('agent_lens.replayed_from', `${plan.traceId}/${recorded.spanId}`); } catch { /* the answer is given all the same */ }
      }
      write({ call: k + 1, traceId: where.traceId, spanId: where.spanId, answeredBy: 'recording', recordedSpanId: recorded.spanId });
      return Promise.resolve(answerOf(recorded, format, call.body));
    } catch (e) {
      diverged = true;
      log(`re-run: answering model call ${k + 1} from the recording failed (${(e as Error)?.message ?? e}); it and the calls after it go to the model`);
      return live('the helper failed');
    }
  } as Fetch;
  (rerun as unknown as Record<symbol, unknown>)[PATCHED] = true;
  g.fetch = rerun;
}
