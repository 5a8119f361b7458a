// The `genai` view of a span: which convention it speaks, what kind of step it is, models, agent,
// tool, usage and cost, and (for a query) its messages, in the current OTel GenAI terms, whatever
// it was emitted with (see shared/GENAI-SCHEMAS.md). Spans with no GenAI signal get no view.
//
// Two depths: at ingest only the scalar fields (`scanKeys` lists every attribute they read, and the
// protobuf decoder decodes only those); for a query, `content` adds messages, tool arguments and
// results, the cost's provenance, notes on what is missing and the keys nobody read.
import { kvObject, toJs, type GenAiKind, type GenAiView, type KeyValue, type LogData, type Message, type MessagePart, type SpanEvent, type SpanStatus, type Usage } from '../protocol';
import type { ScanKeys } from '../otlp/records';
import { Attrs, firstNum, firstStr, getStr, getStrList, keyList } from './attrs';
import { unmapped } from './unmapped';
import { readTool, toolContentFromMessages, traceloopArgs } from './tools';
import { costOf, costUsd, priceProviderId } from './pricing';
import {
  fromContentEvents, fromIndexedOpenLLMetry, fromMessageEvents, fromOpenInference, fromVercelPrompt, fromVercelResponse,
  chatMessage, finishReason, jsonValue, parseMessages, parseParts, type GenAiEvent, type Notes,
} from './messages';

/** What the normalizer reads of a span at ingest. */
export interface SpanFacts {
  name: string;
  status: SpanStatus;
  attributes: readonly KeyValue[];
  eventNames: readonly string[];
}

/** What a query adds: the span's events, the log records joined to it, and its dropped-attribute count. */
export interface SpanContent {
  events: readonly SpanEvent[];
  logs: readonly LogData[];
  droppedAttributesCount: number;
}

const OPERATION_KIND: Record<string, GenAiKind> = {
  chat: 'llm', text_completion: 'llm', generate_content: 'llm', completion: 'llm', responses: 'llm',
  embeddings: 'embeddings', retrieval: 'retrieval',
  invoke_agent: 'agent', create_agent: 'agent',
  execute_tool: 'tool', invoke_workflow: 'workflow', agent_step: 'workflow',
};

/** The operation a span's name starts with ("invoke_agent planner" → invoke_agent), '' when none. */
function nameOperation(name: string): string {
  const first = name.split(' ', 1)[0] ?? '';
  return Object.hasOwn(OPERATION_KIND, first) ? first : '';
}

/** What a span name "{operation} {subject}" names after its operation: the agent or the tool. */
function nameSubject(name: string, kind: 'agent' | 'tool'): string | undefined {
  const op = nameOperation(name);
  if (!op || OPERATION_KIND[op] !== kind) return undefined;
  const rest = name.slice(op.length).trim();
  return rest || undefined;
}

const OPENINFERENCE_KIND: Record<string, GenAiKind> = {
  LLM: 'llm', TOOL: 'tool', AGENT: 'agent', CHAIN: 'workflow', RETRIEVER: 'retrieval', EMBEDDING: 'embeddings',
  RERANKER: 'retrieval', GUARDRAIL: 'other', EVALUATOR: 'other', PROMPT: 'other',
};

const TRACELOOP_KIND: Record<string, GenAiKind> = { workflow: 'workflow', task: 'workflow', agent: 'agent', tool: 'tool' };

// Key lists, most specific first (constants: no arrays built per span; `keyList` lets a span
// that has none of a list's keys skip it at once).
const K = keyLists({
  provider: ['gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system', 'ai.model.provider'],
  requestModel: ['gen_ai.request.model', 'llm.request.model_name', 'llm.model_name', 'ai.model.id'],
  responseModel: ['gen_ai.response.model', 'llm.response.model_name', 'ai.response.model'],
  responseId: ['gen_ai.response.id', 'ai.response.id'],
  // A re-run's call answered from the recording (capture/node/rerun.ts): nothing was spent on it.
  replayedFrom: ['agent_lens.replayed_from'],
  agentName: ['gen_ai.agent.name', 'agent.name', 'agent_name'],
  agentNameIfAgent: ['gen_ai.agent.name', 'agent.name', 'agent_name', 'traceloop.entity.name', 'ai.telemetry.functionId'],
  conversation: ['gen_ai.conversation.id', 'session.id', 'langfuse.session.id', 'traceloop.association.properties.session_id',
    'traceloop.association.properties.conversation_id', 'traceloop.association.properties.thread_id', 'ai.telemetry.metadata.sessionId',
    'ai.telemetry.metadata.conversationId', 'ai.telemetry.metadata.threadId', 'ai.telemetry.metadata.session_id', 'langgraph.thread_id'],
  toolName: ['gen_ai.tool.name', 'tool.name', 'ai.toolCall.name', 'traceloop.entity.name'],
  toolCallId: ['gen_ai.tool.call.id', 'ai.toolCall.id', 'tool_call.id'],
  inputOI: ['llm.token_count.prompt'],
  outputOI: ['llm.token_count.completion'],
  input: ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'ai.usage.inputTokens', 'ai.usage.promptTokens', 'llm.usage.prompt_tokens'],
  output: ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'ai.usage.outputTokens', 'ai.usage.completionTokens', 'llm.usage.completion_tokens'],
  cacheRead: ['gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens', 'llm.token_count.prompt_details.cache_read',
    'ai.usage.cachedInputTokens', 'ai.usage.inputTokenDetails.cacheReadTokens'],
  cacheWrite: ['gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_write.input_tokens', 'gen_ai.usage.cache_creation_input_tokens',
    'gen_ai.usage.cache_write_input_tokens',
    'llm.token_count.prompt_details.cache_write', 'ai.usage.inputTokenDetails.cacheWriteTokens'],
  reasoning: ['gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens', 'llm.token_count.completion_details.reasoning',
    'gen_ai.usage.details.reasoning_tokens',
    'ai.usage.reasoningTokens', 'ai.usage.outputTokenDetails.reasoningTokens'],
  // A tool's arguments, for the one-line preview a tree row shows (OpenInference's input.value is
  // on every span and can be large, so its previews are made at query time).
  toolArgs: ['gen_ai.tool.call.arguments', 'ai.toolCall.args', 'ai.toolCall.input', 'traceloop.entity.input'],
  finish: ['gen_ai.response.finish_reasons', 'llm.finish_reason', 'ai.response.finishReason', 'gen_ai.completion.0.finish_reason'],
  // Where the step was made (the capture helpers set these; semconv 1.30+ and the older names).
  codeFile: ['code.file.path', 'code.filepath'],
  codeLine: ['code.line.number', 'code.lineno'],
  codeFunction: ['code.function.name', 'code.function'],
} as const);

/** Each list of `o` made a `keyList`. */
function keyLists<T extends Record<string, readonly string[]>>(o: T): T {
  for (const k of Object.keys(o)) (o as Record<string, readonly string[]>)[k] = keyList([...o[k]!]);
  return o;
}

const DETECT = ['openinference.span.kind', 'ai.operationId', 'traceloop.span.kind', 'llm.request.type', 'logfire.span_type',
  'gen_ai.operation.name', 'error.type', 'metadata', 'gen_ai.agent.id'];
// Detection only asks whether these are there; their values (message JSON, mostly) are not decoded at ingest.
const PRESENCE = ['gen_ai.prompt.0.role', 'gen_ai.prompt.0.content', 'gen_ai.completion.0.role', 'gen_ai.completion.0.content',
  'pydantic_ai.all_messages', 'gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions',
  'gen_ai.tool.call.result'];

/** Every attribute the ingest-time view reads: the protobuf decoder decodes these at ingest and keeps the rest as bytes. */
export const scanKeys: ScanKeys = { decode: [...new Set<string>([...DETECT, ...Object.values(K).flat()])], presence: PRESENCE };

// The keys that mark each convention, as lists that one test rules out (most spans speak one).
const MARKS = {
  openinference: keyList(['openinference.span.kind']),
  vercel: keyList(['ai.operationId']),
  openllmetry: keyList(['traceloop.span.kind', 'llm.request.type', 'gen_ai.prompt.0.role', 'gen_ai.prompt.0.content',
    'gen_ai.completion.0.role', 'gen_ai.completion.0.content']),
  logfire: keyList(['logfire.span_type', 'pydantic_ai.all_messages']),
  current: keyList(['gen_ai.input.messages', 'gen_ai.provider.name', 'gen_ai.output.messages', 'gen_ai.system_instructions',
    'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result']),
  // gen_ai.system (before 1.37) or message events mark the older generation; operation and model names are in both.
  events: keyList(['gen_ai.system', 'gen_ai.usage.prompt_tokens']),
  either: keyList(['gen_ai.operation.name', 'gen_ai.request.model']),
};

function anyOf(a: Attrs, keys: readonly string[]): boolean {
  if (a.noneOf(keys)) return false;
  for (const k of keys) if (a.has(k)) return true;
  return false;
}

function detectSchema(a: Attrs, eventNames: readonly string[], name: string): string | undefined {
  if (anyOf(a, MARKS.openinference)) return 'openinference';
  if (anyOf(a, MARKS.vercel) || name.startsWith('ai.')) return 'vercel-ai';
  if (anyOf(a, MARKS.openllmetry)) return 'openllmetry';
  if (anyOf(a, MARKS.logfire)) return 'logfire';
  if (anyOf(a, MARKS.current)) return 'otel-genai-current';
  if (anyOf(a, MARKS.events)) return 'otel-genai-events';
  for (const e of eventNames) if (e.startsWith('gen_ai.')) return 'otel-genai-events';
  if (anyOf(a, MARKS.either)) return 'otel-genai-current';
  return undefined;
}

const VERCEL_LLM = /\.do(Generate|Stream)$/;
const VERCEL_AGENT = /^ai\.(generate|stream)(Text|Object)$/;

/**
 * LangGraph via OpenInference: the graph itself is a CHAIN span named after the graph (the agent's
 * name, `create_react_agent(name=…)`), marked by `ls_integration` in its metadata; its nodes carry
 * `langgraph_node` (the AGENT spans are the "agent" node and name nobody).
 */
function isLangGraphGraph(a: Attrs): boolean {
  const m = getStr(a, 'metadata');
  return m !== undefined && /"ls_integration":\s*"langgraph"/.test(m) && !m.includes('"langgraph_node"');
}

function kindOf(a: Attrs, schema: string, name: string): GenAiKind {
  if (schema === 'openinference') {
    const k = OPENINFERENCE_KIND[getStr(a, 'openinference.span.kind')!.toUpperCase()] ?? 'other';
    return k === 'workflow' && isLangGraphGraph(a) ? 'agent' : k;
  }
  if (schema === 'vercel-ai') {
    const id = getStr(a, 'ai.operationId') ?? name;
    if (id === 'ai.toolCall') return 'tool';
    if (VERCEL_LLM.test(id)) return 'llm';
    if (id.startsWith('ai.embed')) return 'embeddings';
    if (VERCEL_AGENT.test(id)) return 'agent';
  }
  const op = getStr(a, 'gen_ai.operation.name');
  if (op && OPERATION_KIND[op]) return OPERATION_KIND[op];
  const tl = getStr(a, 'traceloop.span.kind');
  // No operation attribute (the OTel 1.26 generation had none): the span name says it, "{operation} {name}".
  const byName = !op && !tl ? OPERATION_KIND[nameOperation(name)] : undefined;
  if (byName === 'agent' || byName === 'tool' || byName === 'workflow') return byName;
  // A span that names an agent and no operation is the agent's, even when it names its model too.
  if (!op && !tl && byName === undefined && a.has('gen_ai.agent.name')) return 'agent';
  if (tl && TRACELOOP_KIND[tl]) return TRACELOOP_KIND[tl];
  const reqType = getStr(a, 'llm.request.type');
  if (reqType === 'chat' || reqType === 'completion') return 'llm';
  if (reqType === 'embedding') return 'embeddings';
  if (a.has('gen_ai.request.model') || a.has('gen_ai.usage.input_tokens') || a.has('gen_ai.usage.prompt_tokens')) return 'llm';
  if (a.has('gen_ai.tool.name')) return 'tool';
  // OTel 1.26-era agent spans name the agent and no operation.
  if (a.has('gen_ai.agent.name')) return 'agent';
  return 'other';
}

function usageOf(a: Attrs, schema: string): Usage | undefined {
  const oi = schema === 'openinference';
  const input = firstNum(a, oi ? K.inputOI : K.input);
  const output = firstNum(a, oi ? K.outputOI : K.output);
  if (input === undefined && output === undefined) return undefined;
  return {
    input: input ?? 0,
    output: output ?? 0,
    cacheRead: firstNum(a, K.cacheRead) ?? 0,
    cacheCreation: firstNum(a, K.cacheWrite) ?? 0,
    reasoning: firstNum(a, K.reasoning) ?? 0,
  };
}


/** Provider names as the current conventions spell them (`openai.chat` → `openai`). */
function providerName(p: string | undefined): string | undefined {
  return p === undefined ? undefined : priceProviderId(p) ?? p;
}

/** The view without content: what ingest stores and the run list needs. */
function scalarView(a: Attrs, span: SpanFacts): GenAiView | undefined {
  const schema = detectSchema(a, span.eventNames, span.name);
  if (!schema) return undefined;
  const kind = kindOf(a, schema, span.name);
  const view: GenAiView = { kind, schema };
  const op = getStr(a, 'gen_ai.operation.name');
  if (op !== undefined) view.operation = op;
  const provider = providerName(firstStr(a, K.provider));
  if (provider !== undefined) view.provider = provider;
  const req = firstStr(a, K.requestModel);
  if (req !== undefined) view.requestModel = req;
  const res = firstStr(a, K.responseModel);
  if (res !== undefined) view.responseModel = res;
  const rid = firstStr(a, K.responseId);
  if (rid !== undefined) view.responseId = rid;
  const agent = firstStr(a, kind === 'agent' ? K.agentNameIfAgent : K.agentName)
    ?? (kind === 'agent' && schema === 'openinference' && isLangGraphGraph(a) ? span.name : undefined)
    ?? (kind === 'agent' && op === undefined ? nameSubject(span.name, 'agent') : undefined);
  if (agent !== undefined) view.agentName = agent;
  const agentId = getStr(a, 'gen_ai.agent.id');
  if (agentId !== undefined) view.agentId = agentId;
  const conv = firstStr(a, K.conversation);
  if (conv !== undefined) view.conversationId = conv;
  // The call site from attributes (query time adds stack frames and more: source/locate.ts).
  const file = firstStr(a, K.codeFile), line = firstNum(a, K.codeLine);
  if (file !== undefined && line !== undefined && line > 0) {
    const fn = firstStr(a, K.codeFunction);
    view.source = [fn !== undefined ? { path: file, line, function: fn, how: 'attribute', confidence: 1 } : { path: file, line, how: 'attribute', confidence: 1 }];
  }
  if (kind === 'tool') {
    const tn = firstStr(a, K.toolName) ?? (op === undefined ? nameSubject(span.name, 'tool') : undefined);
    if (tn !== undefined) view.toolName = tn;
    const tid = firstStr(a, K.toolCallId);
    if (tid !== undefined) view.toolCallId = tid;
    const args = firstStr(a, K.toolArgs);
    // The raw text, whitespace folded (no JSON round trip on the ingest path); OpenLLMetry's
    // {"args", "kwargs"} wrapper is unwrapped first.
    if (args !== undefined) view.argsPreview = a.has('traceloop.entity.input') && !a.has('gen_ai.tool.call.arguments') ? oneLine(traceloopArgs(args)) : oneLine(args.slice(0, 400));
  }
  if (!a.noneOf(K.finish)) for (const k of K.finish) {
    const f = getStrList(a, k);
    if (f) { view.finishReasons = f.map(finishReason); break; }
  }
  const usage = usageOf(a, schema);
  if (usage) view.usage = usage;
  if (kind === 'llm') {
    view.countsUsage = usage !== undefined;
    view.costUsd = usage ? costUsd(usage, view.responseModel ?? view.requestModel, view.provider) : null;
    const replayed = a.noneOf(K.replayedFrom) ? undefined : firstStr(a, K.replayedFrom);
    if (replayed !== undefined) { view.replayedFrom = replayed; view.costUsd = 0; }
  }
  if (span.status.code === 2) view.error = getStr(a, 'error.type') ?? (span.status.message || 'error');
  else {
    const et = getStr(a, 'error.type');
    if (et !== undefined) view.error = et;
  }
  return view;
}

/** The view a span gets at ingest. */
export function normalizeSpan(span: SpanFacts): GenAiView | undefined {
  return scalarView(new Attrs(span.attributes), span);
}

/** The attribute keys the ingest-time view asks for on this span (tests hold `scanKeys` to them). */
export function keysReadAtIngest(span: SpanFacts): string[] {
  const a = new Attrs(span.attributes, true);
  scalarView(a, span);
  return [...a.touched!];
}

// ---- content (query time) ----

const CAPTURE_HINT: Record<string, string> = {
  'otel-genai-current': 'set OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true (or span_only / span_and_event)',
  'otel-genai-events': 'set OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true and export logs too (the messages come as log records)',
  openllmetry: 'set TRACELOOP_TRACE_CONTENT=true (or traceContent: true)',
  openinference: 'unset OPENINFERENCE_HIDE_INPUTS / OPENINFERENCE_HIDE_OUTPUTS',
  'vercel-ai': 'pass experimental_telemetry: { isEnabled: true, recordInputs: true, recordOutputs: true }',
  logfire: 'turn on include_content in the instrumentation settings',
};

const MESSAGE_EVENTS = new Set(['gen_ai.system.message', 'gen_ai.user.message', 'gen_ai.assistant.message', 'gen_ai.tool.message', 'gen_ai.choice']);
const DETAILS_EVENT = 'gen_ai.client.inference.operation.details';

/** Span events and log records as GenAI events (a log record's name is `eventName` or its `event.name` attribute). */
function genAiEvents(c: SpanContent): GenAiEvent[] {
  const out: GenAiEvent[] = [];
  for (const e of c.events) if (e.name.startsWith('gen_ai.')) out.push({ name: e.name, attrs: kvObject(e.attributes), body: undefined });
  for (const l of c.logs) {
    const attrs = kvObject(l.attributes);
    const name = l.eventName || (typeof attrs['event.name'] === 'string' ? attrs['event.name'] : '');
    if (name.startsWith('gen_ai.')) out.push({ name, attrs, body: toJs(l.body) });
  }
  return out;
}

/** Leading system messages become the system instructions, as the current conventions keep them. */
function hoistSystem(view: GenAiView): void {
  const input = view.inputMessages;
  if (!input) return;
  let i = 0;
  const parts: MessagePart[] = [];
  while (i < input.length && (input[i]!.role === 'system' || input[i]!.role === 'developer')) parts.push(...input[i++]!.parts);
  if (i === 0) return;
  view.inputMessages = input.slice(i);
  if (!view.systemInstructions) view.systemInstructions = parts;
}

function textMessage(role: string, v: unknown): Message[] | undefined {
  if (v === undefined) return undefined;
  const j = jsonValue(v);
  return [{ role, parts: [typeof j === 'string' ? { type: 'text', content: j } : { type: 'text', content: JSON.stringify(j, null, 2) }] }];
}

function readMessages(view: GenAiView, a: Attrs, c: SpanContent, n: Notes): void {
  const schema = view.schema;
  const set = (sys: MessagePart[] | undefined, input: Message[] | undefined, output: Message[] | undefined) => {
    if (sys && !view.systemInstructions) view.systemInstructions = sys;
    if (input && !view.inputMessages) view.inputMessages = input;
    if (output && !view.outputMessages) view.outputMessages = output;
  };
  // Current attributes (also read by the other schemas: OpenLLMetry 0.2x and Vercel write them too).
  const sysAttr = a.get('gen_ai.system_instructions');
  const inAttr = a.get('gen_ai.input.messages');
  const outAttr = a.get('gen_ai.output.messages');
  set(sysAttr && parseParts(toJs(sysAttr), n), inAttr && parseMessages(toJs(inAttr), n, 'gen_ai.input.messages'),
    outAttr && parseMessages(toJs(outAttr), n, 'gen_ai.output.messages'));
  if (schema === 'openllmetry' || a.has('gen_ai.prompt.0.role') || a.has('gen_ai.prompt.0.content')) {
    set(undefined, fromIndexedOpenLLMetry(a, 'gen_ai.prompt.', n), fromIndexedOpenLLMetry(a, 'gen_ai.completion.', n));
  }
  if (schema === 'openinference') {
    set(undefined, fromOpenInference(a, 'llm.input_messages.', n), fromOpenInference(a, 'llm.output_messages.', n));
    if (view.kind === 'llm') {
      // input.value / output.value hold the raw request and response: the messages when nothing else has them.
      const req = jsonValue(getStr(a, 'input.value')) as { messages?: unknown[] } | undefined;
      const res = jsonValue(getStr(a, 'output.value')) as { choices?: { message?: Record<string, unknown>; finish_reason?: string }[] } | undefined;
      set(undefined, Array.isArray(req?.messages) ? req.messages.map((m) => chatMessage((m ?? {}) as Record<string, unknown>)) : undefined,
        Array.isArray(res?.choices) ? res.choices.map((c) => chatMessage({ ...c.message, finish_reason: c.finish_reason }, 'assistant')) : undefined);
    }
  }
  if (schema === 'vercel-ai') {
    const p = fromVercelPrompt(a, n);
    set(p.system, p.input, fromVercelResponse(a, n));
  }
  const events = genAiEvents(c);
  if (events.length) {
    for (const e of events) {
      if (e.name !== DETAILS_EVENT) continue;
      const f = { ...e.attrs, ...((e.body && typeof e.body === 'object' ? e.body : {}) as Record<string, unknown>) };
      set(parseParts(f['gen_ai.system_instructions'], n), parseMessages(f['gen_ai.input.messages'], n, `${DETAILS_EVENT} input`),
        parseMessages(f['gen_ai.output.messages'], n, `${DETAILS_EVENT} output`));
    }
    const perMessage = events.filter((e) => MESSAGE_EVENTS.has(e.name));
    if (perMessage.length) {
      const m = fromMessageEvents(perMessage);
      if (m.withoutContent === perMessage.length) n.notes.push('the message events carry no content');
      else set(undefined, m.input.length ? m.input : undefined, m.output.length ? m.output : undefined);
    }
    const legacy = fromContentEvents(events, n);
    set(undefined, legacy.input, legacy.output);
  }
  // Agent and workflow spans: their input and output, in whichever words the schema has.
  if (view.kind !== 'llm' && view.kind !== 'tool') {
    set(undefined, textMessage('user', getStr(a, 'input.value') ?? getStr(a, 'traceloop.entity.input')),
      textMessage('assistant', getStr(a, 'output.value') ?? getStr(a, 'traceloop.entity.output')));
  }
  hoistSystem(view);
}

const SPACE = /\s/;

/** A value on one line, at most `max` characters: what a tree row shows of a tool's arguments, a run's title. */
export function oneLine(v: unknown, max = 160): string {
  let s = typeof v === 'string' ? v : JSON.stringify(v) ?? '';
  // (Most arguments are compact JSON: the replace, a tenth of a tool span's ingest, only when needed.)
  if (SPACE.test(s)) s = s.replace(/\s+/g, ' ').trim();
  return ownString(s.length > max ? `${s.slice(0, max - 1)}…` : s);
}

/**
 * `s` as a string of its own, for keeping. In V8 a cut of a longer string (`slice`, `trim`, a
 * concatenation of one) can be a view that keeps the whole string alive: every kept argument
 * preview and run title held the tool's whole arguments or the whole user message on the heap
 * (400 kB a run for 200 kB of each), where the store's count of its bytes does not see it. A short
 * string is copied by a JSON round trip (JSON.parse makes strings of their own).
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : JSON.parse(JSON.stringify(s)) as string;
}

/** The full view for a query: the scalar view plus messages, tool content, cost provenance, notes and the schema report. */
export function normalizeSpanContent(span: SpanFacts, c: SpanContent): GenAiView | undefined {
  const a = new Attrs(span.attributes, true);
  const view = scalarView(a, span);
  if (!view) return undefined;
  // The aliases the scalar view did not reach (it stops at the first key present) are understood too.
  for (const k of scanKeys.decode) a.get(k);
  for (const k of scanKeys.presence) a.get(k);
  const n: Notes = { notes: [] };
  if (view.kind === 'tool') readTool(view, a);
  readMessages(view, a, c, n);
  if (view.kind === 'tool') toolContentFromMessages(view, n);
  if (view.kind === 'llm') {
    const has = !!(view.inputMessages?.length || view.outputMessages?.length || view.systemInstructions?.length);
    view.contentCaptured = has;
    if (!has) n.notes.push(`message content was not captured: ${CAPTURE_HINT[view.schema] ?? 'turn on content capture in the instrumentation'}`);
    if (view.replayedFrom !== undefined) {
      view.cost = { usd: 0, source: 'answered from the recording', lines: [], note: `a re-run: this answer came from the recording (${view.replayedFrom}), not from the model, so nothing was spent` };
      n.notes.push(`answered from the recording of ${view.replayedFrom} (a re-run): not sent to the model`);
    } else if (view.usage) view.cost = costOf(view.usage, view.responseModel ?? view.requestModel, view.provider);
    else n.notes.push('the instrumentation reported no token usage for this call (streamed responses often lack it), so the run total leaves it out');
  } else if (view.kind === 'tool' && view.toolArguments === undefined && view.toolResult === undefined) {
    view.contentCaptured = false;
  }
  if (c.droppedAttributesCount > 0) n.notes.push(`${c.droppedAttributesCount} attributes were dropped by the SDK's attribute limit`);
  if (n.notes.length) view.notes = n.notes;
  const keys = unmapped(a);
  if (keys.length) view.unmappedKeys = keys;
  return view;
}
