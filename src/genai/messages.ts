// Message JSON in the current OTel GenAI shape: [{role, parts:[…], finish_reason?}], arriving as a
// JSON string (span attributes) or structured (log record bodies).
import type { Message, MessagePart } from '../protocol';

function parse(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try { return JSON.parse(v); } catch { return undefined; }
}

export function parseParts(v: unknown): MessagePart[] | undefined {
  const arr = parse(v);
  if (!Array.isArray(arr)) return typeof v === 'string' ? [{ type: 'text', content: v }] : undefined;
  return arr.map(toPart);
}

function toPart(p: unknown): MessagePart {
  if (typeof p === 'string') return { type: 'text', content: p };
  if (!p || typeof p !== 'object') return { type: 'text', content: String(p) };
  const o = p as Record<string, unknown>;
  const type = typeof o.type === 'string' ? o.type : 'text';
  if (type === 'thinking') return { ...o, type: 'reasoning', content: String(o.content ?? '') };
  if (type === 'tool_call_response' && !('response' in o) && 'result' in o) return { ...o, type, response: o.result };
  return { ...o, type } as MessagePart;
}

export function parseMessages(v: unknown): Message[] | undefined {
  const arr = parse(v);
  if (!Array.isArray(arr)) return undefined;
  return arr.map((m): Message => {
    const o = (m && typeof m === 'object' ? m : {}) as Record<string, unknown>;
    const msg: Message = { role: typeof o.role === 'string' ? o.role : 'unknown', parts: Array.isArray(o.parts) ? o.parts.map(toPart) : [] };
    if (typeof o.name === 'string') msg.name = o.name;
    if (typeof o.finish_reason === 'string') msg.finish_reason = o.finish_reason;
    if (!Array.isArray(o.parts) && typeof o.content === 'string') msg.parts.push({ type: 'text', content: o.content });
    return msg;
  });
}
