// Unit tests for each schema mapping, from fixtures written by hand from the specifications and the
// instrumentations' source (marked "spec fixture": no JS package emits these), plus the
// double-count rule and price edge cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalizeSpan, normalizeSpanContent, type SpanContent } from '../../src/genai/normalize';
import { costOf, findPrice, parsePriceOverrides, PRICES_VERSION, setPriceOverrides } from '../../src/genai/pricing';
import { TraceStore } from '../../src/store/store';
import { calcPrice } from '@pydantic/genai-prices';
import { expectedAttrs } from '../helpers/otel';
import { span } from '../helpers/builders';
import type { AnyValue, KeyValue, LogData, Nanos } from '../../src/protocol';

const ok = { code: 0, message: '' };
const none: SpanContent = { events: [], logs: [], droppedAttributesCount: 0 };
const view = (attrs: Record<string, unknown>, c: SpanContent = none, name = 'span') =>
  normalizeSpanContent({ name, status: ok, attributes: expectedAttrs(attrs), eventNames: c.events.map((e) => e.name) }, c)!;
const ev = (name: string, attrs: Record<string, unknown>) => ({ timeUnixNano: '1' as Nanos, name, attributes: expectedAttrs(attrs), droppedAttributesCount: 0 });
const log = (eventName: string, body: unknown, attrs: Record<string, unknown> = {}): LogData => ({
  timeUnixNano: '1' as Nanos, observedTimeUnixNano: '1' as Nanos, severityNumber: 9, severityText: '', body: toAny(body),
  attributes: expectedAttrs(attrs), droppedAttributesCount: 0, flags: 0, traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), eventName,
});
function toAny(v: unknown): AnyValue {
  if (v && typeof v === 'object' && !Array.isArray(v)) return { kvlistValue: { values: Object.entries(v).map(([key, x]): KeyValue => ({ key, value: toAny(x) })) } };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(toAny) } };
  if (typeof v === 'number') return { intValue: String(v) };
  return { stringValue: String(v) };
}

test('spec fixture, OTel 1.28-1.36 (Python openai-v2 style): per-message log records joined to the span', () => {
  const logs = [
    log('', { content: 'Be brief.' }, { 'event.name': 'gen_ai.system.message' }),
    log('gen_ai.user.message', { content: 'Weather in Oslo?' }),
    log('gen_ai.choice', { index: 0, finish_reason: 'tool_calls', message: { tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] } }),
  ];
  const g = view({ 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o',
    'gen_ai.usage.prompt_tokens': 20, 'gen_ai.usage.completion_tokens': 7 }, { events: [], logs, droppedAttributesCount: 0 });
  assert.equal(g.schema, 'otel-genai-events');
  assert.deepEqual(g.systemInstructions, [{ type: 'text', content: 'Be brief.' }]);
  assert.deepEqual(g.inputMessages, [{ role: 'user', parts: [{ type: 'text', content: 'Weather in Oslo?' }] }]);
  assert.deepEqual(g.outputMessages, [{ role: 'assistant', finish_reason: 'tool_call', parts: [{ type: 'tool_call', id: 'c1', name: 'weather', arguments: { city: 'Oslo' }, raw: '{"city":"Oslo"}' }] }]);
  assert.deepEqual(g.usage, { input: 20, output: 7, cacheRead: 0, cacheCreation: 0, reasoning: 0 });
});

test('spec fixture: per-message span events without content say capture was off, not empty messages', () => {
  const c = { events: [ev('gen_ai.user.message', {}), ev('gen_ai.choice', { index: 0, finish_reason: 'stop' })], logs: [], droppedAttributesCount: 0 };
  const g = view({ 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 5, 'gen_ai.usage.output_tokens': 1 }, c);
  assert.equal(g.contentCaptured, false);
  assert.equal(g.inputMessages, undefined);
  assert.match(g.notes!.join(' '), /carry no content/);
  assert.match(g.notes!.join(' '), /OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true/);
});

test('spec fixture, OTel 1.26: gen_ai.content.prompt / completion span events', () => {
  const c = { events: [
    ev('gen_ai.content.prompt', { 'gen_ai.prompt': '[{"role":"user","content":"hi"}]' }),
    ev('gen_ai.content.completion', { 'gen_ai.completion': '[{"role":"assistant","content":"hello"}]' }),
  ], logs: [], droppedAttributesCount: 0 };
  const g = view({ 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-3.5-turbo', 'gen_ai.usage.prompt_tokens': 3, 'gen_ai.usage.completion_tokens': 2 }, c);
  assert.equal(g.kind, 'llm');
  assert.deepEqual(g.inputMessages, [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }]);
  assert.deepEqual(g.outputMessages, [{ role: 'assistant', parts: [{ type: 'text', content: 'hello' }] }]);
});

test('spec fixture, OTel 1.37+: the operation.details event with structured messages (log record body)', () => {
  const c = { events: [], droppedAttributesCount: 0, logs: [log('gen_ai.client.inference.operation.details', {
    'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: 'sum 2+2' }] }],
    'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'thinking', content: 'easy' }, { type: 'text', content: '4' }], finish_reason: 'stop' }],
  })] };
  const g = view({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'o3-mini',
    'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 50, 'gen_ai.usage.reasoning.output_tokens': 40 }, c);
  assert.equal(g.schema, 'otel-genai-current');
  assert.deepEqual(g.outputMessages![0]!.parts, [{ type: 'reasoning', content: 'easy' }, { type: 'text', content: '4' }]);
  assert.equal(g.usage!.reasoning, 40);
  assert.match(g.cost!.lines.find((l) => l.tokenClass === 'output')!.note!, /includes 40 reasoning tokens/);
});

test('current attributes: truncated message JSON is flagged and shown as text, never invented', () => {
  const g = view({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o',
    'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"a very long prom' });
  assert.match(g.notes!.join(' '), /gen_ai.input.messages is not valid JSON/);
  assert.equal(g.inputMessages![0]!.parts[0]!.type, 'text');
});

test('spec fixture, OpenLLMetry (older, indexed): gen_ai.prompt.N / completion.N with tool calls; llm.usage.total_tokens', () => {
  const g = view({
    'llm.request.type': 'chat', 'gen_ai.system': 'OpenAI', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.prompt.0.role': 'system', 'gen_ai.prompt.0.content': 'sys', 'gen_ai.prompt.1.role': 'user', 'gen_ai.prompt.1.content': 'hi',
    'gen_ai.prompt.2.role': 'tool', 'gen_ai.prompt.2.content': '{"t":1}', 'gen_ai.prompt.2.tool_call_id': 'x1',
    'gen_ai.completion.0.role': 'assistant', 'gen_ai.completion.0.finish_reason': 'tool_calls',
    'gen_ai.completion.0.tool_calls.0.id': 'x2', 'gen_ai.completion.0.tool_calls.0.name': 'f', 'gen_ai.completion.0.tool_calls.0.arguments': '{"a":1}',
    'gen_ai.usage.prompt_tokens': 11, 'gen_ai.usage.completion_tokens': 4, 'llm.usage.total_tokens': 15,
  });
  assert.equal(g.schema, 'openllmetry');
  assert.equal(g.provider, 'openai');
  assert.deepEqual(g.systemInstructions, [{ type: 'text', content: 'sys' }]);
  assert.deepEqual(g.inputMessages, [
    { role: 'user', parts: [{ type: 'text', content: 'hi' }] },
    { role: 'tool', parts: [{ type: 'tool_call_response', id: 'x1', response: { t: 1 }, raw: '{"t":1}' }] },
  ]);
  assert.deepEqual(g.outputMessages, [{ role: 'assistant', finish_reason: 'tool_call', parts: [{ type: 'tool_call', id: 'x2', name: 'f', arguments: { a: 1 }, raw: '{"a":1}' }] }]);
  assert.deepEqual(g.finishReasons, ['tool_call']);
  assert.equal(g.unmappedKeys, undefined);
});

test('indexed lists with gaps (attribute limits) are flagged', () => {
  const g = view({ 'llm.request.type': 'chat', 'gen_ai.prompt.0.role': 'user', 'gen_ai.prompt.0.content': 'a', 'gen_ai.prompt.2.role': 'user', 'gen_ai.prompt.2.content': 'c' },
    { events: [], logs: [], droppedAttributesCount: 3 });
  assert.match(g.notes!.join(' '), /gen_ai.prompt.N has gaps/);
  assert.match(g.notes!.join(' '), /3 attributes were dropped/);
});

test('spec fixture, Vercel AI SDK v4 spelling: promptTokens, args/result, double-encoded tool input', () => {
  const llm = view({ 'ai.operationId': 'ai.streamText.doStream', 'ai.model.provider': 'openai.responses', 'ai.model.id': 'gpt-4o',
    'ai.usage.promptTokens': 30, 'ai.usage.completionTokens': 9, 'ai.response.finishReason': 'tool-calls',
    'ai.response.toolCalls': JSON.stringify([{ toolCallId: 't1', toolName: 'search', args: JSON.stringify(JSON.stringify({ q: 'x' })) }]),
    'ai.prompt.messages': JSON.stringify([{ role: 'user', content: [{ type: 'text', text: 'find x' }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't0', toolName: 'search', result: { n: 1 } }] }]) }, none, 'ai.streamText.doStream');
  assert.equal(llm.kind, 'llm');
  assert.equal(llm.provider, 'openai');
  assert.deepEqual(llm.usage, { input: 30, output: 9, cacheRead: 0, cacheCreation: 0, reasoning: 0 });
  assert.deepEqual(llm.outputMessages![0]!.parts, [{ type: 'tool_call', id: 't1', name: 'search', arguments: { q: 'x' } }]);
  assert.deepEqual(llm.inputMessages![1]!.parts, [{ type: 'tool_call_response', id: 't0', response: { n: 1 } }]);
  const tool = view({ 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': 'search', 'ai.toolCall.id': 't1', 'ai.toolCall.args': '{"q":"x"}', 'ai.toolCall.result': '"ok"' }, none, 'ai.toolCall');
  assert.deepEqual([tool.kind, tool.toolName, tool.toolCallId, tool.toolArguments, tool.toolResult], ['tool', 'search', 't1', { q: 'x' }, 'ok']);
});

test('OpenInference: kinds from openinference.span.kind, token counts with cache details, tool.parameters is the schema', () => {
  const g = view({ 'openinference.span.kind': 'LLM', 'llm.provider': 'anthropic', 'llm.model_name': 'claude-3-5-sonnet-20241022',
    'llm.token_count.prompt': 1000, 'llm.token_count.completion': 100, 'llm.token_count.prompt_details.cache_read': 800,
    'llm.input_messages.0.message.role': 'user', 'llm.input_messages.0.message.contents.0.message_content.type': 'text',
    'llm.input_messages.0.message.contents.0.message_content.text': 'hi' });
  assert.equal(g.kind, 'llm');
  assert.equal(g.usage!.cacheRead, 800);
  assert.deepEqual(g.inputMessages, [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }]);
  const cache = g.cost!.lines.find((l) => l.tokenClass === 'cache_read')!;
  assert.equal(cache.tokens, 800);
  assert.ok(cache.usdPerMillion < g.cost!.lines.find((l) => l.tokenClass === 'input')!.usdPerMillion, 'cache reads are cheaper than input');
  const tool = view({ 'openinference.span.kind': 'TOOL', 'tool.name': 'f', 'tool.parameters': '{"type":"object"}', 'input.value': '{"a":1}' });
  assert.deepEqual(tool.toolArguments, { a: 1 });
});

test('the schema report lists GenAI-looking keys nobody read', () => {
  const g = view({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o',
    'gen_ai.brand_new.thing': 1, 'llm.something_new': 'x', 'http.method': 'POST', 'gen_ai.request.temperature': 0.2 });
  assert.deepEqual(g.unmappedKeys, ['gen_ai.brand_new.thing', 'llm.something_new']);
});

test('kinds from whichever signal exists', () => {
  const kind = (a: Record<string, unknown>, name = 's') => normalizeSpan({ name, status: ok, attributes: expectedAttrs(a), eventNames: [] })?.kind;
  assert.equal(kind({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'text-embedding-3-small' }), 'embeddings');
  assert.equal(kind({ 'gen_ai.operation.name': 'invoke_workflow', 'gen_ai.provider.name': 'x' }), 'workflow');
  assert.equal(kind({ 'openinference.span.kind': 'RETRIEVER' }), 'retrieval');
  assert.equal(kind({ 'openinference.span.kind': 'CHAIN' }), 'workflow');
  assert.equal(kind({ 'traceloop.span.kind': 'task' }), 'workflow');
  assert.equal(kind({ 'llm.request.type': 'embedding' }), 'embeddings');
  assert.equal(kind({ 'ai.operationId': 'ai.embedMany' }), 'embeddings');
  assert.equal(kind({}, 'ai.generateObject'), 'agent');
  assert.equal(kind({ 'http.method': 'GET' }), undefined);
});

// ---- double counting ----

function llmSpan(id: number, parent: number | undefined, usage: [number, number] | undefined, extra: Record<string, string | number> = {}) {
  const attrs: Record<string, string | number> = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', ...extra };
  if (usage) { attrs['gen_ai.usage.input_tokens'] = usage[0]; attrs['gen_ai.usage.output_tokens'] = usage[1]; }
  return span({ spanId: id.toString(16).padStart(16, '0'), parentSpanId: parent === undefined ? '' : parent.toString(16).padStart(16, '0'), attrs });
}

test('each model call counts once: a framework LLM span over the provider span, in any arrival order', () => {
  // agent(1) → framework llm(2, usage 100/10) → provider llm(3, usage 100/10); and a plain call llm(4, 50/5).
  const agent = span({ spanId: '1'.padStart(16, '0'), attrs: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a',
    'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 150, 'gen_ai.usage.output_tokens': 15 } });
  const make = () => [agent, llmSpan(2, 1, [100, 10], { 'openinference.span.kind': 'LLM', 'llm.token_count.prompt': 100, 'llm.token_count.completion': 10 }),
    llmSpan(3, 2, [100, 10]), llmSpan(4, 1, [50, 5])].map((s) => ({ ...s, scan: s.scan }));
  const orders = [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1], [1, 3, 0, 2]];
  for (const order of orders) {
    const store = new TraceStore({ maxBytes: Infinity });
    const spans = make();
    for (const i of order) store.addSpans([spans[i]!]);
    const e = store.get(spans[0]!.traceId)!;
    assert.deepEqual([e.summary.usage.input, e.summary.usage.output], [150, 15], `order ${order}`);
    assert.equal(e.summary.llmCalls, 2, `order ${order}: two model calls`);
    assert.deepEqual(['2', '3', '4'].map((d) => e.countsUsage(d.padStart(16, '0'))), [false, true, true], `order ${order}`);
    const expected = calcPrice({ input_tokens: 150, output_tokens: 15 }, 'gpt-4o-mini', { providerId: 'openai' })!.total_price;
    assert.ok(Math.abs(e.summary.costUsd! - expected) < 1e-12);
  }
});

test('a framework LLM span counts when the provider span below it reports no usage', () => {
  const store = new TraceStore({ maxBytes: Infinity });
  store.addSpans([llmSpan(3, 2, undefined)]);
  store.addSpans([llmSpan(2, undefined, [70, 7])]);
  const e = store.get(llmSpan(9, undefined, undefined).traceId)!;
  assert.deepEqual([e.summary.usage.input, e.summary.usage.output, e.summary.llmCalls, e.summary.callsWithoutUsage], [70, 7, 1, 1]);
});

// ---- prices ----

test('prices: dated model names, provider prefixes, unknown models, overrides, and the version in use', () => {
  const u = { input: 1_000_000, output: 1_000_000, cacheRead: 0, cacheCreation: 0, reasoning: 0 };
  const plain = costOf(u, 'gpt-4o', 'openai');
  assert.equal(plain.model, 'gpt-4o');
  assert.ok(Math.abs(plain.usd! - calcPrice({ input_tokens: u.input, output_tokens: u.output }, 'gpt-4o', { providerId: 'openai' })!.total_price) < 1e-9, 'the price library\'s own figure');
  assert.equal(costOf(u, 'gpt-4o-2024-08-06', 'openai').usd, plain.usd, 'a dated name matches its entry');
  assert.equal(costOf(u, 'openai/gpt-4o', undefined).usd, plain.usd, 'a provider prefix is read');
  assert.equal(costOf(u, 'gpt-4o', 'openai.chat').usd, plain.usd, 'provider aliases (Vercel) are read');
  const unknown = costOf(u, 'my-finetune-xyz', 'openai');
  assert.equal(unknown.usd, null, 'never a silent 0');
  assert.match(unknown.note!, /no price known for model "my-finetune-xyz"/);
  assert.equal(costOf(u, undefined, 'openai').usd, null);
  setPriceOverrides([{ model: 'my-finetune-xyz', input: 2, output: 8 }]);
  try {
    const o = costOf(u, 'my-finetune-xyz', 'openai');
    assert.equal(o.usd, 10);
    assert.match(o.source, /override/);
  } finally {
    setPriceOverrides([]);
  }
  assert.equal(findPrice('my-finetune-xyz', 'openai'), null, 'overrides are gone when cleared');
  // An override is matched after the same normalization as the bundled prices.
  setPriceOverrides([{ model: 'gpt-4o', input: 1, output: 3 }]);
  try {
    for (const [model, provider] of [['gpt-4o', 'openai'], ['gpt-4o-2024-08-06', 'openai'], ['openai/gpt-4o', undefined], ['GPT-4o', 'openai'], ['openai/gpt-4o-2024-11-20', undefined]] as const) {
      const o = costOf(u, model, provider);
      assert.equal(o.usd, 4, `${model}: the override`);
      assert.match(o.source, /override/);
    }
    assert.notEqual(costOf(u, 'gpt-4o-mini', 'openai').source, 'user override', 'another model keeps its bundled price');
  } finally {
    setPriceOverrides([]);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'node_modules', '@pydantic', 'genai-prices', 'package.json'), 'utf8')) as { version: string };
  assert.equal(PRICES_VERSION, pkg.version, 'the provenance names the price data in use');
});

test('prices: cached input is priced at the cache price and is part of input tokens', () => {
  const c = costOf({ input: 1000, output: 0, cacheRead: 600, cacheCreation: 0, reasoning: 0 }, 'gpt-4o-mini', 'openai');
  const input = c.lines.find((l) => l.tokenClass === 'input')!;
  const cache = c.lines.find((l) => l.tokenClass === 'cache_read')!;
  assert.equal(input.tokens, 400);
  assert.equal(cache.tokens, 600);
  assert.equal(cache.usdPerMillion, 0.075);
  assert.ok(Math.abs(c.usd! - (400 * 0.15 + 600 * 0.075) / 1e6) < 1e-15);
});

test('price override files: a clear error for each mistake', () => {
  assert.deepEqual(parsePriceOverrides([{ model: 'm', input: 1, output: 2, cacheRead: 0.5 }]), [{ model: 'm', input: 1, output: 2, cacheRead: 0.5 }]);
  assert.throws(() => parsePriceOverrides({}), /expected a JSON array/);
  assert.throws(() => parsePriceOverrides([{ input: 1, output: 1 }]), /\[0\]\.model: expected a model name/);
  assert.throws(() => parsePriceOverrides([{ model: 'm', input: '1', output: 1 }]), /\[0\]\.input: expected USD per million tokens/);
  assert.throws(() => parsePriceOverrides([{ model: 'm', input: 1, output: -1 }]), /\[0\]\.output/);
});

test('a span that names an agent and no operation (OTel 1.26 era) is an agent step', () => {
  const view = normalizeSpan({ name: 'planner', status: { code: 0, message: '' }, attributes: [{ key: 'gen_ai.agent.name', value: { stringValue: 'planner' } }, { key: 'gen_ai.system', value: { stringValue: 'openai' } }], eventNames: [] });
  assert.equal(view?.kind, 'agent');
  assert.equal(view?.agentName, 'planner');
});
