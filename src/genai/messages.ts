// Messages in every shape the instrumentations write them, into the current OTel GenAI parts model:
// [{role, parts:[text | tool_call | tool_call_response | reasoning | blob/uri/file …], finish_reason?}].
// What is cut off or absent is reported in `notes`, never invented.
import type { Message, MessagePart } from '../protocol';
import { type Attrs, getStr } from './attrs';
import { parseJsonText } from './json';

export interface Notes {
  notes: string[];
}

function note(n: Notes, s: string): void {
  if (!n.notes.includes(s)) n.notes.push(s);
}

/** JSON text to a value; a string that does not parse is probably cut off by a length limit. */
function parseJson(v: unknown, n: Notes, what: string): unknown {
  if (typeof v !== 'string') return v;
  try {
    return parseJsonText(v);
  } catch {
    note(n, `${what} is not valid JSON (cut off by a length limit?); shown as text`);
    return undefined;
  }
}

/**
 * A part's value read from text (tool arguments, a tool's result) with the text itself as `raw`
 * when reading changed it: the request rebuilt from a span (rebuild.ts) sends the exact text the
 * provider got, while everything else shows the value.
 */
function withRaw<T extends MessagePart>(part: T, source: unknown, value: unknown): T {
  if (typeof source === 'string' && typeof value !== 'string') (part as { raw?: string }).raw = source;
  return part;
}

/** Tool arguments as an object when they are JSON (some SDKs encode them twice), else as given. */
export function jsonValue(v: unknown): unknown {
  let out = v;
  for (let i = 0; i < 2 && typeof out === 'string'; i++) {
    const t = out.trim();
    if (!(t.startsWith('{') || t.startsWith('[') || t.startsWith('"'))) break;
    try { out = parseJsonText(t); } catch { break; }
  }
  return out;
}

// Finish reasons mean the same under several spellings; the view uses the current ones.
const FINISH: Record<string, string> = {
  tool_calls: 'tool_call', 'tool-calls': 'tool_call', tool_use: 'tool_call', function_call: 'tool_call',
  end_turn: 'stop', STOP: 'stop', stop_sequence: 'stop', MAX_TOKENS: 'length', max_tokens: 'length', SAFETY: 'content_filter',
  'content-filter': 'content_filter',
};
export const finishReason = (r: string): string => FINISH[r] ?? r;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

// ---- current OTel GenAI parts ----

function currentPart(p: unknown): MessagePart {
  if (typeof p === 'string') return { type: 'text', content: p };
  const o = obj(p);
  if (!o) return { type: 'text', content: String(p) };
  const type = typeof o.type === 'string' ? o.type : 'text';
  if (type === 'thinking') return { ...o, type: 'reasoning', content: String(o.content ?? '') };
  if (type === 'tool_call') { const args = jsonValue(o.arguments); return withRaw({ ...o, type, name: String(o.name ?? ''), arguments: args }, o.arguments, args); }
  if (type === 'tool_call_response' && !('response' in o) && 'result' in o) {
    const { result, ...rest } = o;
    const response = jsonValue(result);
    return withRaw({ ...rest, type, response }, result, response);
  }
  if (type === 'tool_call_response') { const response = toolResponseValue(jsonValue(o.response)); return withRaw({ ...o, type, response }, o.response, response); }
  if (type === 'text' && typeof o.content !== 'string' && typeof o.text === 'string') return { type, content: o.text };
  return { ...o, type } as MessagePart;
}

/** A bare parts array (system instructions), from a JSON string or a structured value. */
export function parseParts(v: unknown, n: Notes, what = 'gen_ai.system_instructions'): MessagePart[] | undefined {
  if (v === undefined) return undefined;
  const arr = parseJson(v, n, what);
  if (arr === undefined) return typeof v === 'string' ? [{ type: 'text', content: v }] : undefined;
  if (typeof arr === 'string') return [{ type: 'text', content: arr }];
  if (!Array.isArray(arr)) return [currentPart(arr)];
  return arr.map(currentPart);
}

/** Messages in the current shape (also accepts chat-completions style `content`/`tool_calls`). */
export function parseMessages(v: unknown, n: Notes, what: string): Message[] | undefined {
  if (v === undefined) return undefined;
  const arr = parseJson(v, n, what);
  if (arr === undefined) return typeof v === 'string' ? [{ role: 'unknown', parts: [{ type: 'text', content: v }] }] : undefined;
  if (!Array.isArray(arr)) return undefined;
  return arr.map((m) => {
    const o = obj(m) ?? {};
    if (!Array.isArray(o.parts)) return chatMessage(o);
    const msg: Message = { role: str(o.role) ?? 'unknown', parts: o.parts.map(currentPart) };
    if (typeof o.name === 'string') msg.name = o.name;
    if (typeof o.finish_reason === 'string') msg.finish_reason = finishReason(o.finish_reason);
    return msg;
  });
}

// ---- chat-completions style (old OTel events, OpenLLMetry, OpenInference input.value) ----

function contentParts(content: unknown): MessagePart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (Array.isArray(content)) {
    return content.map((c): MessagePart => {
      const o = obj(c);
      if (!o) return { type: 'text', content: String(c) };
      if (o.type === 'text' || (o.type === undefined && typeof o.text === 'string')) return { type: 'text', content: String(o.text ?? o.content ?? '') };
      if (o.type === 'image_url') return { type: 'uri', modality: 'image', uri: str(obj(o.image_url)?.url) ?? '' };
      if (o.type === 'input_audio') return { type: 'blob', modality: 'audio', mime_type: `audio/${str(obj(o.input_audio)?.format) ?? 'unknown'}` };
      return currentPart(o);
    });
  }
  return [currentPart(content)];
}

function toolCallParts(calls: unknown): MessagePart[] {
  if (!Array.isArray(calls)) return [];
  return calls.map((c): MessagePart => {
    const o = obj(c) ?? {};
    const fn = obj(o.function) ?? o;
    const args = jsonValue(fn.arguments);
    const part: MessagePart = withRaw({ type: 'tool_call', name: String(fn.name ?? ''), arguments: args }, fn.arguments, args);
    if (typeof o.id === 'string') part.id = o.id;
    return part;
  });
}

/** {role, content, tool_calls, tool_call_id, name} → a message in parts. */
export function chatMessage(o: Record<string, unknown>, roleIfAbsent = 'unknown'): Message {
  const role = str(o.role) ?? roleIfAbsent;
  let parts: MessagePart[];
  if (role === 'tool' || role === 'function') {
    const response = jsonValue(o.content);
    const part: MessagePart = withRaw({ type: 'tool_call_response', response }, o.content, response);
    const id = str(o.tool_call_id) ?? str(o.id);
    if (id) part.id = id;
    parts = [part];
  } else parts = [...contentParts(o.content), ...toolCallParts(o.tool_calls)];
  const msg: Message = { role, parts };
  if (typeof o.name === 'string') msg.name = o.name;
  if (typeof o.finish_reason === 'string') msg.finish_reason = finishReason(o.finish_reason);
  return msg;
}

// ---- Strands: content as a JSON list of Bedrock-style blocks ----

const BLOCK_KEYS = ['text', 'toolUse', 'toolResult', 'reasoningContent', 'image', 'document', 'json'];

/** The text of a list of blocks ([{text}, …]) as one value (JSON text becomes the value it encodes). */
function blocksValue(content: unknown): unknown {
  if (!Array.isArray(content)) return jsonValue(content);
  const texts = content.map((c) => obj(c)).filter((c): c is Record<string, unknown> => !!c);
  if (texts.length === 1 && 'json' in texts[0]!) return texts[0]!.json;
  if (!texts.every((c) => typeof c.text === 'string')) return content;
  return jsonValue(texts.map((c) => c.text).join(''));
}

/**
 * Strands writes message content as a JSON list of Bedrock Converse blocks: {text}, {toolUse:
 * {toolUseId, name, input}}, {toolResult: {toolUseId, status, content: [{text}]}},
 * {reasoningContent: {reasoningText: {text}}}. The parts they stand for, or undefined when `v` is
 * not such a list.
 */
export function bedrockParts(v: unknown): MessagePart[] | undefined {
  let arr = v;
  if (typeof v === 'string') {
    if (!v.startsWith('[')) return undefined;
    try { arr = parseJsonText(v); } catch { return undefined; }
  }
  if (!Array.isArray(arr) || !arr.length || !arr.every((b) => obj(b) && BLOCK_KEYS.some((k) => k in (b as object)))) return undefined;
  return arr.map((b: Record<string, unknown>): MessagePart => {
    if (typeof b.text === 'string') return { type: 'text', content: b.text };
    const use = obj(b.toolUse);
    if (use) {
      const part: MessagePart = { type: 'tool_call', name: String(use.name ?? ''), arguments: jsonValue(use.input) };
      if (typeof use.toolUseId === 'string') part.id = use.toolUseId;
      return part;
    }
    const result = obj(b.toolResult);
    if (result) {
      const part: MessagePart = { type: 'tool_call_response', response: blocksValue(result.content) };
      if (typeof result.toolUseId === 'string') part.id = result.toolUseId;
      if (result.status === 'error') (part as Record<string, unknown>).status = 'error';
      return part;
    }
    const reasoning = obj(obj(b.reasoningContent)?.reasoningText);
    if (reasoning) return { type: 'reasoning', content: String(reasoning.text ?? '') };
    const [type] = Object.keys(b);
    return { type: type!, ...b };
  });
}

/** A tool's response given as blocks (Strands' latest mode), as the value the blocks hold. */
export function toolResponseValue(v: unknown): unknown {
  return Array.isArray(v) && v.length && v.every((b) => obj(b) && BLOCK_KEYS.some((k) => k in (b as object))) ? blocksValue(v) : v;
}

// ---- OTel 1.28–1.36: one event (span event or log record) per message ----

export interface GenAiEvent {
  name: string;
  /** Event attributes and, for log records, the body, as plain JavaScript. */
  attrs: Record<string, unknown>;
  body: unknown;
}

const EVENT_ROLES: Record<string, string> = {
  'gen_ai.system.message': 'system', 'gen_ai.user.message': 'user', 'gen_ai.assistant.message': 'assistant', 'gen_ai.tool.message': 'tool',
};

/** Per-message events, in the order they were emitted, to input and output messages. */
export function fromMessageEvents(events: readonly GenAiEvent[]): { input: Message[]; output: Message[]; withoutContent: number } {
  const input: Message[] = [];
  const output: Message[] = [];
  let withoutContent = 0;
  for (const e of events) {
    // The body (log records) or the attributes (span events) carry the fields.
    const fields = obj(e.body) ?? e.attrs;
    const role = EVENT_ROLES[e.name];
    if (role) {
      const blocks = bedrockParts(fields.content);
      const m = blocks ? { role: str(fields.role) ?? role, parts: blocks } : chatMessage({ ...fields, role: str(fields.role) ?? role }, role);
      if (m.parts.length === 0) withoutContent++;
      input.push(m);
    } else if (e.name === 'gen_ai.choice') {
      const blocks = bedrockParts(fields.message);
      if (blocks) {
        const m: Message = { role: 'assistant', parts: blocks };
        if (typeof fields.finish_reason === 'string') m.finish_reason = finishReason(fields.finish_reason);
        output.push(m);
        continue;
      }
      const message = obj(fields.message) ?? {};
      const m = chatMessage({ ...message, tool_calls: message.tool_calls ?? fields.tool_calls, role: str(message.role) ?? 'assistant' }, 'assistant');
      if (typeof fields.finish_reason === 'string') m.finish_reason = finishReason(fields.finish_reason);
      if (m.parts.length === 0) withoutContent++;
      output.push(m);
    }
  }
  return { input, output, withoutContent };
}

// ---- OpenLLMetry indexed attributes: gen_ai.prompt.N.* / gen_ai.completion.N.* ----

function indices(keys: string[], prefix: string): number[] {
  const set = new Set<number>();
  for (const k of keys) {
    const m = /^(\d+)\./.exec(k.slice(prefix.length));
    if (m) set.add(Number(m[1]));
  }
  return [...set].sort((a, b) => a - b);
}

function gapCheck(idx: number[], n: Notes, what: string): void {
  if (idx.length && idx[idx.length - 1]! !== idx.length - 1) note(n, `${what} has gaps (attributes dropped by a limit?)`);
}

/** The keys under `prefix` and their message numbers N (prefix.N.…), a gap in them noted; undefined when there are none. */
function numbered(a: Attrs, prefix: string, n: Notes): { keys: string[]; idx: number[] } | undefined {
  const keys = a.keysWithPrefix(prefix);
  if (!keys.length) return undefined;
  const idx = indices(keys, prefix);
  gapCheck(idx, n, prefix + 'N');
  return { keys, idx };
}

/** gen_ai.prompt.N.role/.content/.tool_call_id/.tool_calls.M.{id,name,arguments} (and completion.N.finish_reason). */
export function fromIndexedOpenLLMetry(a: Attrs, prefix: 'gen_ai.prompt.' | 'gen_ai.completion.', n: Notes): Message[] | undefined {
  const found = numbered(a, prefix, n);
  if (!found) return undefined;
  const { keys, idx } = found;
  return idx.map((i) => {
    const p = `${prefix}${i}.`;
    const calls = indices(keys.filter((k) => k.startsWith(`${p}tool_calls.`)), `${p}tool_calls.`).map((j) => ({
      id: getStr(a, `${p}tool_calls.${j}.id`), function: { name: getStr(a, `${p}tool_calls.${j}.name`), arguments: getStr(a, `${p}tool_calls.${j}.arguments`) },
    }));
    return chatMessage({
      role: getStr(a, `${p}role`) ?? (prefix === 'gen_ai.completion.' ? 'assistant' : undefined),
      content: getStr(a, `${p}content`), tool_call_id: getStr(a, `${p}tool_call_id`), finish_reason: getStr(a, `${p}finish_reason`),
      tool_calls: calls.length ? calls : undefined,
    });
  });
}

// ---- OpenInference: llm.input_messages.N.message.* ----

export function fromOpenInference(a: Attrs, prefix: 'llm.input_messages.' | 'llm.output_messages.', n: Notes): Message[] | undefined {
  const found = numbered(a, prefix, n);
  if (!found) return undefined;
  const { keys, idx } = found;
  return idx.map((i) => {
    const p = `${prefix}${i}.message.`;
    const mine = keys.filter((k) => k.startsWith(p));
    const calls = indices(mine.filter((k) => k.startsWith(`${p}tool_calls.`)), `${p}tool_calls.`).map((j) => {
      const c = `${p}tool_calls.${j}.tool_call.`;
      return { id: getStr(a, `${c}id`), function: { name: getStr(a, `${c}function.name`), arguments: getStr(a, `${c}function.arguments`) } };
    });
    const contents = indices(mine.filter((k) => k.startsWith(`${p}contents.`)), `${p}contents.`).map((j) => {
      const c = `${p}contents.${j}.message_content.`;
      const type = getStr(a, `${c}type`) ?? 'text';
      if (type === 'image') return { type: 'image_url', image_url: { url: getStr(a, `${c}image.image.url`) } };
      return { type: 'text', text: getStr(a, `${c}text`) ?? '' };
    });
    return chatMessage({
      role: getStr(a, `${p}role`), name: getStr(a, `${p}name`), tool_call_id: getStr(a, `${p}tool_call_id`),
      content: getStr(a, `${p}content`) ?? (contents.length ? contents : undefined), tool_calls: calls.length ? calls : undefined,
    });
  });
}

// ---- Vercel AI SDK ----

function vercelPart(p: unknown): MessagePart {
  const o = obj(p);
  if (!o) return { type: 'text', content: String(p) };
  switch (o.type) {
    case 'text': return { type: 'text', content: String(o.text ?? '') };
    case 'reasoning': return { type: 'reasoning', content: String(o.text ?? '') };
    case 'tool-call': {
      const part: MessagePart = { type: 'tool_call', name: String(o.toolName ?? ''), arguments: jsonValue(o.input ?? o.args) };
      if (typeof o.toolCallId === 'string') part.id = o.toolCallId;
      return part;
    }
    case 'tool-result': {
      // v5+: output {type:'json'|'text', value}; v4: result.
      const out = obj(o.output);
      const part: MessagePart = { type: 'tool_call_response', response: jsonValue(out && 'value' in out ? out.value : o.output ?? o.result) };
      if (typeof o.toolCallId === 'string') part.id = o.toolCallId;
      return part;
    }
    case 'image': return { type: 'blob', modality: 'image', mime_type: str(o.mediaType) ?? str(o.mimeType) ?? 'image' };
    case 'file': return { type: 'file', mime_type: str(o.mediaType) ?? str(o.mimeType) ?? '' };
    default: return { ...o, type: String(o.type ?? 'text') } as MessagePart;
  }
}

function vercelMessage(m: unknown): Message {
  const o = obj(m) ?? {};
  const role = str(o.role) ?? 'unknown';
  const parts = typeof o.content === 'string' ? [{ type: 'text', content: o.content } as MessagePart]
    : Array.isArray(o.content) ? o.content.map(vercelPart) : [];
  return { role, parts };
}

/** ai.prompt.messages (the call's messages) or ai.prompt ({system, prompt, messages}) → system + input. */
export function fromVercelPrompt(a: Attrs, n: Notes): { system?: MessagePart[]; input?: Message[] } {
  const raw = getStr(a, 'ai.prompt.messages');
  if (raw !== undefined) {
    const arr = parseJson(raw, n, 'ai.prompt.messages');
    if (!Array.isArray(arr)) return { input: [{ role: 'unknown', parts: [{ type: 'text', content: raw }] }] };
    const msgs = arr.map(vercelMessage);
    const sys = msgs.filter((m) => m.role === 'system');
    return { system: sys.length ? sys.flatMap((m) => m.parts) : undefined, input: msgs.filter((m) => m.role !== 'system') };
  }
  const prompt = getStr(a, 'ai.prompt');
  if (prompt === undefined) return {};
  const p = obj(parseJson(prompt, n, 'ai.prompt'));
  if (!p) return { input: [{ role: 'user', parts: [{ type: 'text', content: prompt }] }] };
  const input: Message[] = Array.isArray(p.messages) ? p.messages.map(vercelMessage) : [];
  if (typeof p.prompt === 'string') input.push({ role: 'user', parts: [{ type: 'text', content: p.prompt }] });
  return { system: typeof p.system === 'string' ? [{ type: 'text', content: p.system }] : undefined, input };
}

/** ai.response.text, ai.response.toolCalls (whose input may be JSON encoded twice), ai.response.reasoning. */
export function fromVercelResponse(a: Attrs, n: Notes): Message[] | undefined {
  const text = getStr(a, 'ai.response.text');
  const calls = getStr(a, 'ai.response.toolCalls');
  const reasoning = getStr(a, 'ai.response.reasoning');
  if (text === undefined && calls === undefined && reasoning === undefined) return undefined;
  const parts: MessagePart[] = [];
  if (reasoning) parts.push({ type: 'reasoning', content: reasoning });
  if (text) parts.push({ type: 'text', content: text });
  if (calls !== undefined) {
    const arr = parseJson(calls, n, 'ai.response.toolCalls');
    if (Array.isArray(arr)) for (const c of arr) parts.push(vercelPart({ ...(obj(c) ?? {}), type: 'tool-call' }));
  }
  const msg: Message = { role: 'assistant', parts };
  const finish = getStr(a, 'ai.response.finishReason');
  if (finish) msg.finish_reason = finishReason(finish);
  return [msg];
}

/** OTel 1.26: gen_ai.content.prompt / gen_ai.content.completion span events with a JSON message list. */
export function fromContentEvents(events: readonly GenAiEvent[], n: Notes): { input?: Message[]; output?: Message[] } {
  const out: { input?: Message[]; output?: Message[] } = {};
  for (const e of events) {
    const which = e.name === 'gen_ai.content.prompt' ? 'input' : e.name === 'gen_ai.content.completion' ? 'output' : undefined;
    if (!which) continue;
    const raw = e.attrs[which === 'input' ? 'gen_ai.prompt' : 'gen_ai.completion'];
    const arr = parseJson(raw, n, `${e.name} event`);
    if (Array.isArray(arr)) out[which] = arr.map((m) => chatMessage(obj(m) ?? {}, which === 'output' ? 'assistant' : 'unknown'));
    else if (typeof raw === 'string') out[which] = [{ role: which === 'output' ? 'assistant' : 'user', parts: [{ type: 'text', content: raw }] }];
  }
  return out;
}

