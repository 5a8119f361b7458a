// The `genai` view of a span: which convention it speaks, what kind of step it is, models, agent,
// tool, usage and cost, in the current OTel GenAI terms (see shared/GENAI-SCHEMAS.md).
// Spans with no GenAI signal get no view.
import type { GenAiKind, GenAiView, KeyValue, SpanStatus, Usage } from '../protocol';
import type { ScanKeys } from '../otlp/records';
import { attrMap, firstNum, firstStr, getStr, getStrList, toJs, type Attrs } from './attrs';
import { costOf } from './pricing';
import { parseMessages, parseParts } from './messages';

const OPERATION_KIND: Record<string, GenAiKind> = {
  chat: 'llm', text_completion: 'llm', generate_content: 'llm', completion: 'llm',
  embeddings: 'embeddings', retrieval: 'retrieval',
  invoke_agent: 'agent', create_agent: 'agent',
  execute_tool: 'tool', invoke_workflow: 'workflow',
};

const OPENINFERENCE_KIND: Record<string, GenAiKind> = {
  LLM: 'llm', TOOL: 'tool', AGENT: 'agent', CHAIN: 'workflow', RETRIEVER: 'retrieval', EMBEDDING: 'embeddings',
  RERANKER: 'retrieval', GUARDRAIL: 'other', EVALUATOR: 'other',
};

const TRACELOOP_KIND: Record<string, GenAiKind> = { workflow: 'workflow', task: 'workflow', agent: 'agent', tool: 'tool' };

function detectSchema(a: Attrs, span: SpanFacts): string | undefined {
  if (a.has('openinference.span.kind')) return 'openinference';
  if (a.has('ai.operationId') || span.name.startsWith('ai.')) return 'vercel-ai';
  if (a.has('traceloop.span.kind') || a.has('llm.request.type') || a.has('gen_ai.prompt.0.role') || a.has('gen_ai.completion.0.role')) return 'openllmetry';
  if (a.has('logfire.span_type') || a.has('pydantic_ai.all_messages')) return 'logfire';
  if (a.has('gen_ai.input.messages') || a.has('gen_ai.provider.name') || a.has('gen_ai.output.messages')) return 'otel-genai-current';
  if (a.has('gen_ai.operation.name') || a.has('gen_ai.system') || a.has('gen_ai.request.model')) return 'otel-genai-events';
  for (const e of span.eventNames) if (e.startsWith('gen_ai.')) return 'otel-genai-events';
  return undefined;
}

function kindOf(a: Attrs, schema: string, span: SpanFacts): GenAiKind {
  const op = getStr(a, 'gen_ai.operation.name');
  if (schema === 'openinference') return OPENINFERENCE_KIND[getStr(a, 'openinference.span.kind') ?? ''] ?? 'other';
  if (schema === 'vercel-ai') {
    const id = getStr(a, 'ai.operationId') ?? span.name;
    if (id === 'ai.toolCall') return 'tool';
    if (/\.do(Generate|Stream)$/.test(id)) return 'llm';
    if (/^ai\.embed/.test(id)) return 'embeddings';
    if (/^ai\.(generate|stream)(Text|Object)$/.test(id)) return 'agent';
  }
  if (op && OPERATION_KIND[op]) return OPERATION_KIND[op];
  const tl = getStr(a, 'traceloop.span.kind');
  if (tl && TRACELOOP_KIND[tl]) return TRACELOOP_KIND[tl];
  const reqType = getStr(a, 'llm.request.type');
  if (reqType === 'chat' || reqType === 'completion') return 'llm';
  if (reqType === 'embedding') return 'embeddings';
  if (a.has('gen_ai.request.model') || a.has('gen_ai.usage.input_tokens') || a.has('gen_ai.usage.prompt_tokens')) return 'llm';
  if (a.has('gen_ai.tool.name')) return 'tool';
  return 'other';
}

function usageOf(a: Attrs, schema: string): Usage | undefined {
  const input = schema === 'openinference'
    ? firstNum(a, 'llm.token_count.prompt')
    : firstNum(a, 'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'ai.usage.inputTokens', 'ai.usage.promptTokens');
  const output = schema === 'openinference'
    ? firstNum(a, 'llm.token_count.completion')
    : firstNum(a, 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'ai.usage.outputTokens', 'ai.usage.completionTokens');
  if (input === undefined && output === undefined) return undefined;
  return {
    input: input ?? 0,
    output: output ?? 0,
    cacheRead: firstNum(a, 'gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens',
      'llm.token_count.prompt_details.cache_read', 'ai.usage.cachedInputTokens') ?? 0,
    cacheCreation: firstNum(a, 'gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_write.input_tokens',
      'gen_ai.usage.cache_creation_input_tokens', 'llm.token_count.prompt_details.cache_write') ?? 0,
    reasoning: firstNum(a, 'gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens',
      'llm.token_count.completion_details.reasoning', 'ai.usage.reasoningTokens') ?? 0,
  };
}

function jsonOrString(s: string | undefined): unknown {
  if (s === undefined) return undefined;
  try { return JSON.parse(s); } catch { return s; }
}

/** What the normalizer reads of a span. */
export interface SpanFacts {
  name: string;
  status: SpanStatus;
  attributes: readonly KeyValue[];
  eventNames: readonly string[];
}

// Every attribute the normalizer reads without `content`: at ingest the protobuf decoder decodes
// only these and keeps the rest as bytes. A test checks that normalizing with only these keys
// gives the same view as with all of them.
export const scanKeys: ScanKeys = [
  'openinference.span.kind', 'ai.operationId', 'traceloop.span.kind', 'llm.request.type', 'gen_ai.prompt.0.role',
  'gen_ai.completion.0.role', 'logfire.span_type', 'pydantic_ai.all_messages', 'gen_ai.input.messages',
  'gen_ai.provider.name', 'gen_ai.output.messages', 'gen_ai.operation.name', 'gen_ai.system', 'gen_ai.request.model',
  'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'gen_ai.tool.name',
  'llm.token_count.prompt', 'llm.token_count.completion', 'ai.usage.inputTokens', 'ai.usage.promptTokens',
  'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'ai.usage.outputTokens', 'ai.usage.completionTokens',
  'gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens', 'llm.token_count.prompt_details.cache_read',
  'ai.usage.cachedInputTokens', 'gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens', 'llm.token_count.prompt_details.cache_write',
  'gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens', 'llm.token_count.completion_details.reasoning',
  'ai.usage.reasoningTokens', 'llm.provider', 'llm.system', 'ai.model.provider', 'llm.request.model_name', 'llm.model_name',
  'ai.model.id', 'gen_ai.response.model', 'llm.response.model_name', 'ai.response.model', 'gen_ai.agent.name', 'agent.name',
  'agent_name', 'traceloop.entity.name', 'ai.telemetry.functionId', 'gen_ai.agent.id', 'gen_ai.conversation.id', 'session.id',
  'traceloop.association.properties.session_id', 'tool.name', 'ai.toolCall.name', 'gen_ai.tool.call.id', 'ai.toolCall.id',
  'gen_ai.response.finish_reasons', 'error.type',
];

/**
 * The GenAI view of a span. Message content is parsed only with `content: true` (the query API):
 * at ingest only the scalar fields are needed, and parsed messages would double the memory.
 */
export function normalizeSpan(span: SpanFacts, opts: { content?: boolean } = {}): GenAiView | undefined {
  const a = attrMap(span.attributes);
  const schema = detectSchema(a, span);
  if (!schema) return undefined;
  const kind = kindOf(a, schema, span);
  const view: GenAiView = { kind, schema };
  const set = <K extends keyof GenAiView>(k: K, v: GenAiView[K] | undefined) => { if (v !== undefined) view[k] = v; };
  set('operation', getStr(a, 'gen_ai.operation.name'));
  set('provider', firstStr(a, 'gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system', 'ai.model.provider'));
  set('requestModel', firstStr(a, 'gen_ai.request.model', 'llm.request.model_name', 'llm.model_name', 'ai.model.id'));
  set('responseModel', firstStr(a, 'gen_ai.response.model', 'llm.response.model_name', 'ai.response.model'));
  set('agentName', firstStr(a, 'gen_ai.agent.name', 'agent.name', 'agent_name',
    ...(kind === 'agent' ? ['traceloop.entity.name', 'ai.telemetry.functionId'] : [])));
  set('agentId', getStr(a, 'gen_ai.agent.id'));
  set('conversationId', firstStr(a, 'gen_ai.conversation.id', 'session.id', 'traceloop.association.properties.session_id'));
  if (kind === 'tool') {
    set('toolName', firstStr(a, 'gen_ai.tool.name', 'tool.name', 'ai.toolCall.name', 'traceloop.entity.name'));
    set('toolCallId', firstStr(a, 'gen_ai.tool.call.id', 'ai.toolCall.id'));
    if (opts.content) {
      set('toolArguments', jsonOrString(firstStr(a, 'gen_ai.tool.call.arguments', 'ai.toolCall.args', 'input.value', 'traceloop.entity.input')));
      set('toolResult', jsonOrString(firstStr(a, 'gen_ai.tool.call.result', 'ai.toolCall.result', 'output.value', 'traceloop.entity.output')));
    }
  }
  if (opts.content) {
    const sys = a.get('gen_ai.system_instructions');
    if (sys) set('systemInstructions', parseParts(toJs(sys)));
    const inMsgs = a.get('gen_ai.input.messages');
    if (inMsgs) set('inputMessages', parseMessages(toJs(inMsgs)));
    const outMsgs = a.get('gen_ai.output.messages');
    if (outMsgs) set('outputMessages', parseMessages(toJs(outMsgs)));
  }
  set('finishReasons', getStrList(a, 'gen_ai.response.finish_reasons'));
  const usage = usageOf(a, schema);
  if (usage) {
    view.usage = usage;
    // Each model call counts once: agent/workflow spans repeat their children's totals.
    view.countsUsage = kind === 'llm';
    if (kind === 'llm') view.costUsd = costOf(usage, view.responseModel ?? view.requestModel, view.provider);
  }
  if (span.status.code === 2) view.error = firstStr(a, 'error.type') ?? (span.status.message || 'error');
  else set('error', getStr(a, 'error.type'));
  return view;
}
