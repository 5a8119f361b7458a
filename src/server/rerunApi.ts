// Re-run From Here (issue 26): what a re-run of a recorded run is answered from.
//   GET /api/traces/{traceId}/rerun?from={spanId}   the model calls that started before that step
//   GET /api/traces/{traceId}/rerun?all=1           every model call (the re-run costs nothing)
// Each call comes as the request it sent and the answer it got, both rebuilt from the recording in
// the provider's format (and the answer as the provider streams it): the capture helper started
// with the app (AGENT_LENS_RERUN_FILE) answers the app's calls from it, in order, while they ask
// what the recording asked; see capture/node/rerun.ts.
import type { TraceEntry } from '../store/traceEntry';
import { spanContents } from '../store/views';
import { rebuildRequest } from '../genai/rebuild';
import { rebuildAnswer, answerStream, answerParts } from '../genai/recordedAnswer';
import { attrMap, getStr, getStrList } from '../genai/attrs';
import { cmpNanos } from '../time';
import type { ApiSpan, MessagePart, RecordedCall, RequestFormat, RerunPlan } from '../protocol';

/**
 * The formats a call's answer is given in: an OpenAI call's recording may not say which of its two
 * APIs was called (the app's request will), an Anthropic call's always does.
 */
const formatsFor = (f: RequestFormat): RequestFormat[] => (f === 'anthropic.messages' ? [f] : ['openai.chat', 'openai.responses']);

/** The run's model calls as the model received them (no framework span over a provider's), in the order they started. */
function modelCalls(e: TraceEntry): { spanId: string; start: string }[] {
  const out: { spanId: string; start: string }[] = [];
  for (const s of e.spans.values()) if (s.genai?.kind === 'llm' && e.isModelCall(s.spanId)) out.push({ spanId: s.spanId, start: String(s.startTimeUnixNano) });
  return out.sort((a, b) => cmpNanos(a.start, b.start));
}

/**
 * The span that holds a model call's content: the call's own, or the nearest model-call span above
 * it when it has none (an SDK's own span under an instrumentation's: the Anthropic SDK's
 * `anthropic.messages.create` under OpenLLMetry's `chat claude-…`).
 */
function withContent(e: TraceEntry, contents: (id: string) => ApiSpan | undefined, spanId: string): ApiSpan | undefined {
  let span = contents(spanId);
  const first = span;
  for (let depth = 0; span && depth < 8 && !span.genai?.inputMessages?.length; depth++) {
    const up = e.spans.get(span.parentSpanId);
    if (!up || up.genai?.kind !== 'llm') break;
    span = contents(up.spanId);
  }
  return span?.genai?.inputMessages?.length ? span : first;
}

/**
 * The answer the app really got, when the recording of the call's output is short of it: the
 * assistant turn the next call's input carries after this call's input (its tool calls, and the
 * results between them skipped), when it holds more tool
 * calls (OpenTelemetry's openai instrumentation records one function call of a streamed
 * response). undefined: the recorded output stands.
 */
function fuller(span: ApiSpan, next: ApiSpan | undefined): MessagePart[] | undefined {
  const input = span.genai?.inputMessages;
  const later = next?.genai?.inputMessages;
  if (!input || !later || later.length <= input.length) return undefined;
  const turn: MessagePart[] = [];
  // (Up to the next question: an app on OpenAI responses sends each call followed by its result.)
  for (const m of later.slice(input.length)) {
    if (m.role === 'assistant' || m.role === 'model') turn.push(...m.parts);
    else if (!m.parts.every((p) => p.type === 'tool_call_response')) break;
  }
  const calls = (parts: readonly MessagePart[]) => parts.filter((p) => p.type === 'tool_call');
  const recorded = calls(answerParts(span));
  const sent = calls(turn);
  if (sent.length <= recorded.length) return undefined;
  // (The recorded calls keep their ids, which the next call's input may not carry.)
  return [...answerParts(span).filter((p) => p.type !== 'tool_call'), ...recorded, ...sent.slice(recorded.length)];
}

export async function rerunPlan(e: TraceEntry, from: string | undefined, all: boolean): Promise<RerunPlan | { status: number; error: string }> {
  if (!all && !from) return { status: 400, error: 'say where the re-run goes live: from={spanId}, or all=1 to answer every model call from the recording' };
  const step = from ? e.spans.get(from) : undefined;
  if (from && !step) return { status: 404, error: `no span ${from} in trace ${e.traceId}` };
  const calls = modelCalls(e);
  const until = step && !all ? String(step.startTimeUnixNano) : undefined;
  const before = until === undefined ? calls : calls.filter((c) => cmpNanos(c.start, until) < 0 && c.spanId !== from);
  const contents = spanContents(e);
  const recorded: RecordedCall[] = [];
  const gaps: RerunPlan['gaps'] = [];
  // (Each call's content is read once, as needed; the event loop gets a turn every few calls: a run
  // may have thousands.)
  const spans = new Map<number, ApiSpan | undefined>();
  const spanAt = (i: number) => { if (!spans.has(i) && calls[i]) spans.set(i, withContent(e, contents, calls[i]!.spanId)); return spans.get(i); };
  for (const [i, c] of before.entries()) {
    if (i % 64 === 63) await new Promise((r) => setImmediate(r));
    if (e.removed) return { status: 404, error: `trace ${e.traceId} was deleted` };
    const span = spanAt(i);
    if (!span) continue;
    const req = rebuildRequest(span);
    const output = fuller(span, spanAt(i + 1));
    spans.delete(i);
    const answer = 'error' in req ? req : rebuildAnswer(span, req.format, output);
    // (A call that cannot be answered from the recording ends what can be: the re-run goes live there.)
    if ('error' in req || 'error' in answer) { gaps.push({ step: i + 1, spanId: c.spanId, why: String((answer as { error: string }).error) }); break; }
    const answers = Object.fromEntries(formatsFor(req.format).map((f) => {
      const body = f === req.format ? answer : rebuildAnswer(span, f, output) as Record<string, unknown>;
      return [f, { body, stream: answerStream(f, body) }];
    })) as RecordedCall['answers'];
    recorded.push({ step: i + 1, spanId: c.spanId, name: span.name, format: req.format, request: req.body, answers });
  }
  const first = e.spans.values().next().value;
  const res = first ? attrMap(first.resource.attributes) : undefined;
  const exe = res && getStr(res, 'process.executable.path');
  const args = res && getStrList(res, 'process.command_args');
  // (Node records its argv, the executable first; Python records sys.argv, without it.)
  const command = args?.length ? (exe && args[0] !== exe ? [exe, ...args] : args) : undefined;
  return {
    traceId: e.traceId,
    ...(step && !all ? { from: { spanId: step.spanId, name: step.name } } : {}),
    allRecorded: all,
    calls: recorded,
    liveCalls: calls.length - recorded.length,
    gaps,
    ...(e.summary.service ? { service: e.summary.service } : {}),
    ...(command ? { command } : {}),
  };
}
