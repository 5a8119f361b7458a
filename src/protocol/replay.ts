// What if (issue 26): a recorded model call rebuilt as the request its provider received, and its
// replay (GET /api/traces/{traceId}/spans/{spanId}/request, POST /api/replay).
import type { Usage } from './genai';

export type RequestFormat = 'openai.chat' | 'openai.responses' | 'anthropic.messages';

export interface RequestProblem {
  /** Where in the body, as a path: `messages[2].tool_calls[0].function.arguments`. */
  at: string;
  message: string;
  /** `error`: the provider rejects it; `warning`: it goes, but is not what was recorded. */
  severity: 'error' | 'warning';
}

export interface RebuiltRequest {
  format: RequestFormat;
  /** Where the recording says the call went (server.address and port), or the provider's own API. */
  baseUrl: string;
  /** The path under baseUrl: /chat/completions, /responses, /messages. */
  path: string;
  body: Record<string, unknown>;
  /** What the recording did not have, in plain words (the request goes without it). */
  missing: string[];
  problems: RequestProblem[];
}

export interface RequestEstimate {
  inputTokens: number;
  outputTokens: number;
  /** null when no price is known for the model. */
  usd: number | null;
  /** How the tokens were estimated. */
  basis: string;
}

/** GET /api/traces/{traceId}/spans/{spanId}/request */
export interface ModelRequestResponse { request: RebuiltRequest; estimate: RequestEstimate }

/** POST /api/replay { traceId, spanId, request?, baseUrl?, force? } */
export interface ReplayResponse {
  /** The new run, and its model call. */
  traceId: string;
  spanId: string;
  replayOf: { traceId: string; spanId: string };
  url: string;
  model: string;
  /** The answer's text and tool calls. */
  output: { text: string; toolCalls: { id: string; name: string; arguments: string }[] };
  usage: Usage;
  costUsd: number | null;
}

/** A JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isObj = isObject;
const parse = (s: string): unknown => { try { return JSON.parse(s) as unknown; } catch { return undefined; } };

/** A tool call's arguments: JSON text of an object. Double encoding (a JSON string holding JSON) and text that does not parse are problems. */
function checkArgs(v: unknown, at: string, out: RequestProblem[]): void {
  if (typeof v !== 'string') { out.push({ at, message: 'arguments must be a JSON string (the provider takes the arguments as text)', severity: 'error' }); return; }
  let once: unknown;
  try { once = JSON.parse(v); } catch { out.push({ at, message: 'the arguments are not valid JSON', severity: 'error' }); return; }
  if (typeof once === 'string') {
    let twice: unknown;
    try { twice = JSON.parse(once); } catch { twice = undefined; }
    out.push({ at, message: isObj(twice) ? 'the arguments are JSON inside a JSON string (encoded twice): send the object\'s JSON once' : 'the arguments are a JSON string, not an object', severity: 'error' });
  } else if (!isObj(once)) out.push({ at, message: 'the arguments are not a JSON object', severity: 'error' });
}

/** A tool input (Anthropic's tool_use.input, an object): a string holding JSON is the double encoding. */
function checkInput(v: unknown, at: string, out: RequestProblem[]): void {
  if (isObj(v)) return;
  if (typeof v === 'string' && isObj(parse(v))) out.push({ at, message: 'the input is JSON inside a string (encoded twice): give the object itself', severity: 'error' });
  else out.push({ at, message: 'the input must be an object', severity: 'error' });
}

/** What a provider would reject in a request of its format, each at its place in the body. */
export function checkRequest(format: RequestFormat, body: unknown): RequestProblem[] {
  const out: RequestProblem[] = [];
  if (!isObj(body)) return [{ at: '', message: 'the request must be a JSON object', severity: 'error' }];
  if (typeof body.model !== 'string' || !body.model) out.push({ at: 'model', message: 'model is required', severity: 'error' });
  // Calls and their results: every call answered after it, every result answering a call before it.
  const pending = new Map<string, string>();
  const answered = (id: string, at: string) => {
    if (!pending.has(id)) out.push({ at, message: `a result for tool call ${JSON.stringify(id)}, which no earlier message makes: the provider rejects it`, severity: 'error' });
    pending.delete(id);
  };
  const unanswered = () => { for (const [id, at] of pending) out.push({ at, message: `tool call ${JSON.stringify(id)} has no result after it: the provider rejects a call left unanswered`, severity: 'error' }); };
  if (format === 'openai.chat') {
    if (!Array.isArray(body.messages) || !body.messages.length) return [...out, { at: 'messages', message: 'messages must be a non-empty list', severity: 'error' }];
    body.messages.forEach((m: unknown, i: number) => {
      const at = `messages[${i}]`;
      if (!isObj(m) || typeof m.role !== 'string') { out.push({ at, message: 'a message needs a role', severity: 'error' }); return; }
      if (m.role === 'tool') answered(String(m.tool_call_id ?? ''), `${at}.tool_call_id`);
      else if (pending.size) unanswered(), pending.clear();
      if (Array.isArray(m.tool_calls)) m.tool_calls.forEach((c: unknown, j: number) => {
        const cat = `${at}.tool_calls[${j}]`;
        const f = isObj(c) && isObj(c.function) ? c.function : undefined;
        if (!f) { out.push({ at: cat, message: 'a tool call needs a function', severity: 'error' }); return; }
        pending.set(String((c as { id?: unknown }).id ?? ''), cat);
        checkArgs(f.arguments, `${cat}.function.arguments`, out);
      });
    });
  } else if (format === 'openai.responses') {
    const input = body.input;
    if (typeof input !== 'string' && !Array.isArray(input)) return [...out, { at: 'input', message: 'input must be text or a list of items', severity: 'error' }];
    if (Array.isArray(input)) input.forEach((it: unknown, i: number) => {
      const at = `input[${i}]`;
      if (!isObj(it)) { out.push({ at, message: 'an input item must be an object', severity: 'error' }); return; }
      if (it.type === 'function_call') { pending.set(String(it.call_id ?? ''), at); checkArgs(it.arguments, `${at}.arguments`, out); }
      else if (it.type === 'function_call_output') answered(String(it.call_id ?? ''), `${at}.call_id`);
    });
  } else {
    if (typeof body.max_tokens !== 'number') out.push({ at: 'max_tokens', message: 'max_tokens is required', severity: 'error' });
    if (!Array.isArray(body.messages) || !body.messages.length) return [...out, { at: 'messages', message: 'messages must be a non-empty list', severity: 'error' }];
    body.messages.forEach((m: unknown, i: number) => {
      const at = `messages[${i}]`;
      if (!isObj(m) || (m.role !== 'user' && m.role !== 'assistant')) { out.push({ at, message: 'a message needs the role user or assistant (the system prompt is `system`)', severity: 'error' }); return; }
      const blocks = Array.isArray(m.content) ? m.content : [];
      // The results of the previous assistant turn's calls must all be in this user turn.
      if (m.role === 'user') { blocks.forEach((b: unknown, j: number) => { if (isObj(b) && b.type === 'tool_result') answered(String(b.tool_use_id ?? ''), `${at}.content[${j}].tool_use_id`); }); unanswered(); pending.clear(); }
      else {
        if (pending.size) unanswered(), pending.clear();
        blocks.forEach((b: unknown, j: number) => { if (isObj(b) && b.type === 'tool_use') { pending.set(String(b.id ?? ''), `${at}.content[${j}]`); checkInput(b.input, `${at}.content[${j}].input`, out); } });
      }
    });
  }
  unanswered();
  return out;
}

// ── Re-run from a step (issue 26): the app started again, its model calls before the step answered
// from the recording by the capture helper (Node: capture/node/rerun.ts; Python: capture/python/agent_lens_rerun.py).

/** One line of an SSE stream a recorded answer is sent as, when the app asked for a stream. */
export interface AnswerEvent {
  event?: string;
  data: string;
  /** OpenAI chat's usage chunk: sent only when the request asked for it (stream_options.include_usage). */
  usageChunk?: true;
}

/** A model call of the recording, answered from it in a re-run. */
export interface RecordedCall {
  /** Its place among the run's model calls, from 1. */
  step: number;
  spanId: string;
  name: string;
  format: RequestFormat;
  /** The request it sent, rebuilt from the recording: a re-run's call must ask the same to get its answer. */
  request: Record<string, unknown>;
  /**
   * The provider's answer, rebuilt from the recording (its output, finish reason and usage), in
   * its provider's formats, and as each streams it: a recording does not always say which of
   * OpenAI's APIs was called (an instrumentation may name a responses call `chat`), the app's
   * request does. (Anthropic's: its messages format alone.)
   */
  answers: Partial<Record<RequestFormat, { body: Record<string, unknown>; stream: AnswerEvent[] }>>;
}

/** GET /api/traces/{traceId}/rerun?from={spanId} | ?all=1: what a re-run is answered from. */
export interface RerunPlan {
  traceId: string;
  /** The step the re-run goes live from (none: every call recorded). */
  from?: { spanId: string; name: string };
  allRecorded: boolean;
  /** The model calls before that step, in the order the app made them. */
  calls: RecordedCall[];
  /** Model calls of the run from that step on (they go to the model). */
  liveCalls: number;
  /** Why a call before the step cannot be answered from the recording (the re-run goes live there). */
  gaps: { step: number; spanId: string; why: string }[];
  service?: string;
  /** The command line the run's resource recorded (process.executable.path, process.command_args), when it did. */
  command?: string[];
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable(v[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}
/** A value as compared: JSON text read and written with its keys in order, other text with its whitespace folded. */
function canon(v: unknown): string {
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('{') || t.startsWith('[')) { const p = parse(t); if (p !== undefined) return stable(p); }
    return squash(v);
  }
  return stable(v);
}
const textOfContent = (c: unknown): string => (typeof c === 'string' ? c
  : Array.isArray(c) ? c.map((p) => (typeof p === 'string' ? p : isObj(p) && typeof p.text === 'string' ? p.text : '')).join('') : '');

/**
 * What a request asks, as lines to compare a re-run's call with the recorded one: the system
 * prompt, each message's text, each tool call (name and arguments) and each tool result, in
 * order. Ids, parameters and the tools offered are left out: the recording may not have them, and
 * the answer depends on the conversation. (agent_lens_rerun.py has the same rules, in Python.)
 */
export function requestTranscript(format: RequestFormat, body: Record<string, unknown>): string[] {
  const out: string[] = [];
  const text = (role: string, c: unknown) => { const t = squash(textOfContent(c)); if (t) out.push(`${role}: ${t}`); };
  const call = (name: unknown, args: unknown) => out.push(`call ${String(name)} ${canon(args)}`);
  const result = (c: unknown) => out.push(`result ${canon(typeof c === 'string' ? c : Array.isArray(c) ? textOfContent(c) : c)}`);
  if (format === 'openai.chat') {
    for (const m of Array.isArray(body.messages) ? body.messages.filter(isObj) : []) {
      const role = m.role === 'developer' ? 'system' : String(m.role);
      if (role === 'tool') { result(m.content); continue; }
      text(role, m.content);
      if (Array.isArray(m.tool_calls)) for (const c of m.tool_calls.filter(isObj)) { const f = isObj(c.function) ? c.function : {}; call(f.name, f.arguments); }
    }
  } else if (format === 'openai.responses') {
    if (body.instructions !== undefined) text('system', body.instructions);
    const items = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : Array.isArray(body.input) ? body.input.filter(isObj) : [];
    for (const i of items) {
      if (i.type === 'function_call') call(i.name, i.arguments);
      else if (i.type === 'function_call_output') result(i.output);
      else if (typeof i.role === 'string') text(i.role === 'developer' ? 'system' : i.role, i.content);
    }
  } else {
    if (body.system !== undefined) text('system', body.system);
    for (const m of Array.isArray(body.messages) ? body.messages.filter(isObj) : []) {
      if (typeof m.content === 'string') { text(String(m.role), m.content); continue; }
      for (const b of Array.isArray(m.content) ? m.content.filter(isObj) : []) {
        if (b.type === 'text') text(String(m.role), b.text);
        else if (b.type === 'tool_use') call(b.name, b.input);
        else if (b.type === 'tool_result') result(b.content);
      }
    }
  }
  return out;
}

/** Where a re-run's request first differs from the recorded one (undefined: it asks the same). */
export function requestDifference(recorded: string[], now: string[]): string | undefined {
  const cut = (s: string | undefined) => (s === undefined ? '(nothing)' : JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}…` : s));
  for (let i = 0; i < Math.max(recorded.length, now.length); i++) {
    if (recorded[i] !== now[i]) return `at part ${i + 1} of the conversation: recorded ${cut(recorded[i])}, now ${cut(now[i])}`;
  }
  return undefined;
}
