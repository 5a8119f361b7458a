// The gate: pausing the live agent from the editor (issue 25; protocol in src/protocol/live.ts).
// Loaded by register.ts when the editor asked for it (AGENT_LENS_LIVE_URL, the receiver's /live,
// and AGENT_LENS_TOKEN). One WebSocket to the receiver, which pushes the breakpoints of the
// editors attached; while there are none the gate answers "go on" without a round trip.
//
// Where calls are stopped:
// - Model calls, at `fetch`: the request the provider gets (OpenAI chat completions and
//   responses, Anthropic messages; streaming the same), editable whole. The openai, Anthropic and
//   Vercel AI SDKs all send through the global fetch in Node 18 and later, CommonJS and ES modules
//   alike, where a hook on each client method would need a loader hook per module system and per
//   SDK version. The span of the call (the instrumentation's, active around the request) is marked
//   when the request was edited.
// - Tools the model asks for, in its answer (JSON answers: OpenAI chat completions and responses,
//   Anthropic messages; OpenAI chat completions' streamed answers, read whole first), before the
//   app reads it: the arguments are edited there, so the app runs
//   the tool with them and the conversation it sends on carries them. A failure chosen there is
//   applied when the tool's span starts.
// - Tools the app runs on its own, where their span starts through `startActiveSpan` with an async
//   function (register.ts): Continue or Fail Step (the tool then raises); their arguments are the
//   app's own there, not ours to edit.
//
// It must never break the app: any failure inside it lets the call go on unchanged; a pause ends
// unchanged when the receiver goes away or after AGENT_LENS_LIVE_PAUSE_TIMEOUT_SECONDS (600), and
// the app's stderr says why; the socket never keeps the process alive.
import WebSocket from 'ws';
import { liveBreaks, type GateCommand, type GateMessage, type LiveBreakpoints, type LiveStep } from '../../src/protocol/live';
import type { RequestFormat } from '../../src/protocol/replay';

/** What the editor answered: go on (with `input`, made with it instead), or fail. undefined: go on unchanged. */
export interface Answer { input?: unknown; fail?: string }

const PATCHED = Symbol.for('agent-lens.gate.patched');

export class Gate {
  /** The editors' breakpoints; null while none is attached (or the receiver is away): no pause then. */
  breakpoints: LiveBreakpoints | null = null;
  private ws: WebSocket | undefined;
  private readonly waiting = new Map<string, (a: Answer | undefined) => void>();
  private n = 0;
  private retryMs = 1000;
  private stopped = false;
  /**
   * Settles when the first connection has said its breakpoints, or failed, or 2 s have passed:
   * an app's first model call (often made at once) waits for it, so that it stops like the others.
   */
  readonly ready: Promise<void>;
  private settle!: () => void;
  /** Whether `ready` has settled. */
  settled = false;

  /** `ready`, holding the process open meanwhile (a call waits on it: the app must not exit under it). */
  whenReady(): Promise<void> {
    if (this.settled) return Promise.resolve();
    const hold = setTimeout(() => {}, 2500);
    return this.ready.finally(() => clearTimeout(hold));
  }
  /**
   * Tool calls already paused where the model asked for them (gateToolCalls), by call id: their
   * span does not stop them again; the failures chosen there are applied when it starts, and an
   * edit is marked on it.
   */
  private readonly pausedCalls = new Map<string, { tool: string; fail: string | undefined; original: string | undefined }>();

  /**
   * A tool call paused at the model's answer: its id, its tool, the failure to apply when the tool
   * starts, and its arguments as the model gave them when the developer edited them.
   */
  notePausedCall(id: string, tool: string, fail: string | undefined, original?: string): void {
    this.pausedCalls.set(id, { tool, fail, original });
    // (Bounded: a call whose tool never starts a span must not stay forever.)
    if (this.pausedCalls.size > 1000) this.pausedCalls.delete(this.pausedCalls.keys().next().value!);
  }

  /**
   * A tool's span starts: was its call stopped already, in the model's answer? By its call id when
   * the span's attributes at start carry one; else (an app that sets them after the span starts)
   * the oldest call of that tool stopped there and not started yet. `fail`: what to fail it with.
   */
  takePausedCall(id: unknown, tool: string): { fail: string | undefined; original: string | undefined } | undefined {
    let key: string | undefined;
    if (typeof id === 'string') key = this.pausedCalls.has(id) ? id : undefined;
    else for (const [k, v] of this.pausedCalls) if (v.tool === tool) { key = k; break; }
    if (key === undefined) return undefined;
    const v = this.pausedCalls.get(key)!;
    this.pausedCalls.delete(key);
    return { fail: v.fail, original: v.original };
  }

  constructor(private readonly url: string, private readonly token: string, private readonly timeoutMs: number,
    private readonly log: (line: string) => void, private readonly service: string) {
    this.ready = new Promise((resolve) => { this.settle = () => { this.settled = true; resolve(); }; });
    setTimeout(() => this.settle(), 2000).unref();
  }

  start(): void {
    if (this.stopped) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url, { headers: { Authorization: `Bearer ${this.token}` }, handshakeTimeout: 5000 });
    } catch (e) { this.log(`live gate: cannot reach ${this.url} (${(e as Error).message})`); return; }
    this.ws = ws;
    // (The app's own work decides when it exits, never this socket.)
    const unref = () => (ws as unknown as { _socket?: { unref?(): void } })._socket?.unref?.();
    ws.on('upgrade', unref);
    ws.on('open', () => {
      unref();
      this.retryMs = 1000;
      this.send({ type: 'hello', protocolVersion: 1, pid: process.pid, language: 'node', service: this.service });
    });
    ws.on('message', (data) => {
      try { this.onCommand(JSON.parse(String(data)) as GateCommand); } catch { /* not ours to fail on */ }
    });
    ws.on('error', () => { /* 'close' follows */ });
    ws.on('close', () => {
      this.settle();
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.breakpoints = null;
      this.releaseAll('the Agent Lens receiver went away');
      if (this.stopped) return;
      setTimeout(() => this.start(), this.retryMs).unref();
      this.retryMs = Math.min(this.retryMs * 2, 30_000);
    });
  }

  stop(): void {
    this.stopped = true;
    this.ws?.terminate();
  }

  /** Whether its connection to the receiver is open. */
  get connected(): boolean { return this.ws?.readyState === WebSocket.OPEN; }

  /** Whether a call of this kind and name stops now. */
  wants(kind: LiveStep['kind'], name: string): boolean {
    return this.breakpoints !== null && liveBreaks(this.breakpoints, kind, name);
  }

  /**
   * Where the app is now (the active span's run, span and agent): register.ts sets it. A step
   * that does not say where it is gets it.
   */
  where: (() => Pick<LiveStep, 'traceId' | 'spanId' | 'agent'> | undefined) | undefined;

  /** Waits for the editor's answer; undefined (go on unchanged) when none comes in time or the receiver goes. */
  pause(step: LiveStep): Promise<Answer | undefined> {
    const pauseId = `${process.pid}-${++this.n}`;
    if (step.traceId === undefined) { try { Object.assign(step, this.where?.()); } catch { /* said without where it is */ } }
    return new Promise((resolve) => {
      // (Not unref'd: the app is waiting for this call, so it must not exit under it.)
      const timer = setTimeout(() => {
        if (!this.waiting.delete(pauseId)) return;
        this.send({ type: 'released', pauseId, why: 'timed out' });
        this.log(`live gate: ${step.kind === 'tool' ? 'tool' : 'model call'} ${step.name} was paused for ${Math.round(this.timeoutMs / 1000)} s with no answer from the editor; it goes on unchanged`);
        resolve(undefined);
      }, this.timeoutMs);
      this.waiting.set(pauseId, (a) => { clearTimeout(timer); resolve(a); });
      if (!this.send({ type: 'paused', pauseId, step })) this.release(pauseId, undefined);
    });
  }

  private release(pauseId: string, a: Answer | undefined): void {
    const done = this.waiting.get(pauseId);
    if (!done) return;
    this.waiting.delete(pauseId);
    done(a);
  }

  private releaseAll(why: string): void {
    if (!this.waiting.size) return;
    this.log(`live gate: ${why}; ${this.waiting.size} paused call(s) go on unchanged`);
    for (const id of [...this.waiting.keys()]) this.release(id, undefined);
  }

  private onCommand(c: GateCommand): void {
    if (c?.type === 'breakpoints') {
      this.breakpoints = c.breakpoints ?? null;
      this.settle();
      if (!this.breakpoints) this.releaseAll('no editor is attached any more');
    } else if (c?.type === 'resume') this.release(c.pauseId, 'input' in c ? { input: c.input } : {});
    else if (c?.type === 'fail') this.release(c.pauseId, { fail: String(c.message) });
  }

  private send(m: GateMessage): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    try { ws.send(JSON.stringify(m)); return true; } catch { return false; }
  }
}

/** The request paths of model calls, by provider: OpenAI chat completions and responses, Anthropic messages. */
const MODEL_PATH = /\/(chat\/completions|responses|messages)\/?$/;
const FORMAT_OF_PATH: Record<string, RequestFormat> = { 'chat/completions': 'openai.chat', responses: 'openai.responses', messages: 'anthropic.messages' };

type Fetch = typeof fetch;
type SpanLike = { setAttribute(k: string, v: unknown): unknown };

/** Stops model calls at the global fetch while a breakpoint names their model (see the file's head). */
export function gateFetch(gate: Gate, activeSpan: () => SpanLike | undefined, fail: (where: string, e: unknown) => void): void {
  const g = globalThis as { fetch?: Fetch };
  const original = g.fetch;
  if (typeof original !== 'function' || (original as unknown as Record<symbol, unknown>)[PATCHED]) return;
  const gated = function fetch(this: unknown, input: Parameters<Fetch>[0], init?: Parameters<Fetch>[1]): ReturnType<Fetch> {
    // No editor attached: straight through (one property read), once the gate has heard.
    if (gate.breakpoints === null && gate.settled) return original.call(this, input, init);
    // Breakpoints naming no model and no tool in the body: straight through (a native scan of the
    // body, not a parse of it).
    const bp = gate.breakpoints;
    const text = typeof init?.body === 'string' ? init.body : undefined;
    const named = (list: string[] | '*') => list === '*' || (text !== undefined && list.some((n) => n.includes('*') || text.includes(n)));
    if (bp && !bp.failed && !named(bp.models) && !named(bp.tools)) return original.call(this, input, init);
    let call: { model: string; body: Record<string, unknown>; via: string } | undefined;
    try { call = modelCall(input, init); } catch { call = undefined; }
    if (!call) return original.call(this, input, init);
    // (The gate is still connecting: a model call waits for it, 2 s at most.)
    if (!gate.settled) return gate.whenReady().then(() => gated.call(this, input, init));
    const { model, body, via } = call;
    // The tools a breakpoint names that this call offers the model: its answer is looked at.
    let watch = false;
    try { watch = offeredTools(body).some((t) => gate.wants('tool', t)); } catch { watch = false; }
    const send = (i: Parameters<Fetch>[1]): ReturnType<Fetch> => {
      const res = watchFailure(gate, original.call(this, input, i), { kind: 'llm', name: model, input: body, via }, fail);
      if (!watch) return res;
      return res.then((r) => (body.stream === true ? gateStreamedToolCalls(gate, r, fail) : gateToolCalls(gate, r, fail)).catch((e: unknown) => {
        // Nothing of the gate's may fail the call: the answer as it came, unless its body could
        // not be read (which the app would have met reading it).
        if ((r as { bodyUsed?: boolean })?.bodyUsed) throw e;
        fail('looking at the model\'s answer', e);
        return r;
      }));
    };
    if (!gate.wants('llm', model)) return send(init);
    const span = (() => { try { return activeSpan(); } catch { return undefined; } })();
    return gate.pause({ kind: 'llm', name: model, input: body, via }).then((a) => {
      if (a?.fail !== undefined) {
        // A client error: SDKs raise it at once (a 5xx or a network error they would retry).
        return new Response(JSON.stringify({ error: { message: `stopped from the debugger: ${a.fail}`, type: 'agent_lens_failed' } }), { status: 400, headers: { 'content-type': 'application/json' } });
      }
      if (a?.input === undefined) return send(init);
      let edited: Parameters<Fetch>[1];
      try {
        edited = { ...init, body: JSON.stringify(a.input) };
        const headers = new Headers(init?.headers);
        headers.delete('content-length');
        edited.headers = headers;
        if (span) {
          span.setAttribute('agent_lens.edited', true);
          span.setAttribute('agent_lens.original_request', String(init?.body).slice(0, 65_536));
        }
      } catch (e) {
        fail('applying an edited request', e);
        return send(init);
      }
      return send(edited);
    });
  } as Fetch;
  (gated as unknown as Record<symbol, unknown>)[PATCHED] = true;
  g.fetch = gated;
}

/**
 * Break on failed step, for a model call: an answer with an error status (or no answer) stops
 * before the app sees it, saying what failed; then it goes on as it came.
 */
function watchFailure(gate: Gate, res: ReturnType<Fetch>, step: LiveStep, fail: (where: string, e: unknown) => void): ReturnType<Fetch> {
  if (!gate.breakpoints?.failed) return res;
  return res.then(async (r) => {
    if (r.ok || !gate.breakpoints?.failed) return r;
    let text = '';
    try { text = (await r.clone().text()).slice(0, 2000); } catch (e) { fail('reading a failed answer', e); }
    await gate.pause({ ...step, failed: `HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}${text ? `: ${text}` : ''}` });
    return r;
  }, async (e: unknown) => {
    if (gate.breakpoints?.failed) await gate.pause({ ...step, failed: String((e as Error)?.message ?? e) });
    throw e;
  });
}

/** A model call's model, request body and API (the provider format its path names), when `input` and `init` are one (a POST of JSON to a model path). */
export function modelCall(input: Parameters<Fetch>[0], init: Parameters<Fetch>[1]): { model: string; body: Record<string, unknown>; via: string; format: RequestFormat } | undefined {
  if (!init || typeof init.body !== 'string' || (init.method ?? 'GET').toUpperCase() !== 'POST') return undefined;
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
  if (!url) return undefined;
  const path = new URL(url).pathname;
  const m = MODEL_PATH.exec(path);
  if (!m) return undefined;
  const body = JSON.parse(init.body) as Record<string, unknown>;
  if (!body || typeof body !== 'object' || typeof body.model !== 'string') return undefined;
  return { model: body.model, body, via: `fetch POST ${path}`, format: FORMAT_OF_PATH[m[1]!]! };
}

/** The names of the function tools a model request offers (OpenAI chat and responses, Anthropic). */
function offeredTools(body: Record<string, unknown>): string[] {
  const tools = Array.isArray(body.tools) ? body.tools as { name?: unknown; function?: { name?: unknown } }[] : [];
  return tools.map((t) => t?.function?.name ?? t?.name).filter((n): n is string => typeof n === 'string');
}

interface ToolCallAt { id: string; name: string; args: unknown; set(v: unknown): void }

/** The tool calls in a model's answer, each with a way to change its arguments in place. */
function toolCallsOf(answer: Record<string, unknown>): ToolCallAt[] {
  const out: ToolCallAt[] = [];
  const parsed = (s: unknown) => { if (typeof s !== 'string') return s; try { return JSON.parse(s) as unknown; } catch { return s; } };
  const str = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  // OpenAI chat completions: choices[].message.tool_calls[].function.arguments (a JSON string).
  for (const c of Array.isArray(answer.choices) ? answer.choices as { message?: { tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[] } }[] : []) {
    for (const tc of c?.message?.tool_calls ?? []) {
      const f = tc?.function;
      if (f && typeof f.name === 'string') out.push({ id: String(tc.id ?? ''), name: f.name, args: parsed(f.arguments), set: (v) => { f.arguments = str(v); } });
    }
  }
  for (const item of Array.isArray(answer.output) ? answer.output as { type?: string; call_id?: string; name?: string; arguments?: string }[] : []) {
    // OpenAI responses: output[] function_call items.
    if (item?.type === 'function_call' && typeof item.name === 'string') out.push({ id: String(item.call_id ?? ''), name: item.name, args: parsed(item.arguments), set: (v) => { item.arguments = str(v); } });
  }
  for (const block of Array.isArray(answer.content) ? answer.content as { type?: string; id?: string; name?: string; input?: unknown }[] : []) {
    // Anthropic messages: content[] tool_use blocks (input an object).
    if (block?.type === 'tool_use' && typeof block.name === 'string') out.push({ id: String(block.id ?? ''), name: block.name, args: block.input, set: (v) => { block.input = v; } });
  }
  return out;
}

interface StreamedCall { id: string; name: string; args: string; set(edited: string): void }

/**
 * The tool calls in a streamed answer's events, put together from their pieces, each with a way
 * to write edited arguments back into the events (in place): OpenAI chat completions (deltas of
 * `tool_calls` by index), OpenAI responses (`function_call` output items, their argument deltas,
 * and the events that repeat them whole), Anthropic messages (`tool_use` blocks and their
 * `input_json_delta` pieces).
 */
function streamedCalls(events: (Record<string, unknown> | undefined)[]): StreamedCall[] {
  type Piece = (edited: string, first: boolean) => void;
  const byKey = new Map<string, { id: string; name: string; args: string; pieces: Piece[]; whole: ((edited: string) => void)[] }>();
  const at = (key: string) => {
    let c = byKey.get(key);
    if (!c) byKey.set(key, (c = { id: '', name: '', args: '', pieces: [], whole: [] }));
    return c;
  };
  type Obj = Record<string, unknown>;
  for (const e of events) {
    if (!e) continue;
    // OpenAI chat completions.
    const deltas = ((e.choices as { delta?: { tool_calls?: Obj[] } }[] | undefined)?.[0]?.delta?.tool_calls) ?? [];
    for (const d of deltas) {
      const c = at(`chat:${String(d.index ?? 0)}`);
      const f = (d.function ?? {}) as Obj;
      if (typeof d.id === 'string' && d.id) c.id = d.id;
      if (typeof f.name === 'string') c.name += f.name;
      if (typeof f.arguments === 'string') c.args += f.arguments;
      c.pieces.push((edited, first) => { d.function = { ...f, arguments: first ? edited : '' }; });
    }
    const type = e.type;
    // OpenAI responses.
    if ((type === 'response.output_item.added' || type === 'response.output_item.done') && (e.item as Obj | undefined)?.type === 'function_call') {
      const item = e.item as Obj;
      const c = at(`resp:${String(e.output_index ?? 0)}`);
      if (typeof item.call_id === 'string') c.id = item.call_id;
      if (typeof item.name === 'string') c.name = item.name;
      if (type === 'response.output_item.done') {
        if (typeof item.arguments === 'string' && !c.args) c.args = item.arguments;
        c.whole.push((edited) => { item.arguments = edited; });
      }
    } else if (type === 'response.function_call_arguments.delta') {
      const c = at(`resp:${String(e.output_index ?? 0)}`);
      if (typeof e.delta === 'string') c.args += e.delta;
      c.pieces.push((edited, first) => { e.delta = first ? edited : ''; });
    } else if (type === 'response.function_call_arguments.done') {
      const c = at(`resp:${String(e.output_index ?? 0)}`);
      c.whole.push((edited) => { e.arguments = edited; });
    } else if (type === 'response.completed') {
      const output = ((e.response as Obj | undefined)?.output as Obj[] | undefined) ?? [];
      output.forEach((item, i) => {
        if (item?.type === 'function_call') at(`resp:${i}`).whole.push((edited) => { item.arguments = edited; });
      });
    }
    // Anthropic messages.
    if (type === 'content_block_start' && (e.content_block as Obj | undefined)?.type === 'tool_use') {
      const b = e.content_block as Obj;
      const c = at(`anth:${String(e.index ?? 0)}`);
      if (typeof b.id === 'string') c.id = b.id;
      if (typeof b.name === 'string') c.name = b.name;
    } else if (type === 'content_block_delta' && (e.delta as Obj | undefined)?.type === 'input_json_delta') {
      const d = e.delta as Obj;
      const c = byKey.get(`anth:${String(e.index ?? 0)}`);
      if (c) {
        if (typeof d.partial_json === 'string') c.args += d.partial_json;
        c.pieces.push((edited, first) => { d.partial_json = first ? edited : ''; });
      }
    }
  }
  return [...byKey.values()].filter((c) => c.name).map((c) => ({
    id: c.id, name: c.name, args: c.args,
    set: (edited) => { c.pieces.forEach((p, i) => p(edited, i === 0)); for (const w of c.whole) w(edited); },
  }));
}

/**
 * A model's answer asking for tools a breakpoint names: each such call stops before the app runs
 * it, with the arguments the model gave, editable. The answer the app reads carries the edits, so
 * the app runs the tool with them and the conversation it sends on says so too. A failure chosen
 * here is applied when the tool's span starts (register.ts). A non-JSON or failed answer, or one
 * that does not parse, goes on as it came.
 */
async function gateToolCalls(gate: Gate, res: Response, fail: (where: string, e: unknown) => void): Promise<Response> {
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return res;
  const text = await res.text();
  let body = text;
  try {
    const answer = JSON.parse(text) as Record<string, unknown>;
    let changed = false;
    for (const c of toolCallsOf(answer)) {
      if (!gate.wants('tool', c.name)) continue;
      const a = await gate.pause({ kind: 'tool', name: c.name, input: c.args, via: `the model's answer (tool call ${c.id})` });
      const edit = a?.fail === undefined && a?.input !== undefined;
      if (c.id) gate.notePausedCall(c.id, c.name, a?.fail, edit ? JSON.stringify(c.args) : undefined);
      if (edit) { c.set(a.input); changed = true; }
    }
    if (changed) body = JSON.stringify(answer);
  } catch (e) { fail('reading the model\'s answer for tool calls', e); }
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

/**
 * The same for a streamed answer (server-sent events: OpenAI chat completions, OpenAI responses,
 * Anthropic messages): a tool call's arguments come in pieces, so the answer is read whole first
 * (only when the call offered a tool a breakpoint names), each named call stops, and the events
 * are sent on with an edited call's arguments whole in its first piece (and in every event that
 * repeats them whole). Anything it cannot read goes on as it came.
 */
async function gateStreamedToolCalls(gate: Gate, res: Response, fail: (where: string, e: unknown) => void): Promise<Response> {
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('event-stream')) return res;
  const text = await res.text();
  let out = text;
  try {
    const events = text.split('\n\n');
    const data: (Record<string, unknown> | undefined)[] = events.map((ev) => {
      const line = ev.split('\n').find((l) => l.startsWith('data: ') || l.startsWith('data:'));
      const json = line?.slice(line.startsWith('data: ') ? 6 : 5);
      if (!json || json === '[DONE]') return undefined;
      try { return JSON.parse(json) as Record<string, unknown>; } catch { return undefined; }
    });
    const calls = streamedCalls(data);
    let changed = false;
    for (const call of calls) {
      if (!gate.wants('tool', call.name)) continue;
      let args: unknown = call.args;
      try { args = JSON.parse(call.args); } catch { /* shown as it came */ }
      const a = await gate.pause({ kind: 'tool', name: call.name, input: args, via: `the model's streamed answer (tool call ${call.id})` });
      const edit = a?.fail === undefined && a?.input !== undefined;
      if (call.id) gate.notePausedCall(call.id, call.name, a?.fail, edit ? call.args : undefined);
      if (edit) {
        call.set(typeof a.input === 'string' ? a.input : JSON.stringify(a.input));
        changed = true;
      }
    }
    if (changed) out = events.map((ev, i) => (data[i] ? ev.split('\n').map((l) => (l.startsWith('data:') ? `data: ${JSON.stringify(data[i])}` : l)).join('\n') : ev)).join('\n\n');
  } catch (e) { fail('reading the model\'s streamed answer for tool calls', e); }
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(out, { status: res.status, statusText: res.statusText, headers });
}

/**
 * A tool's async function, run when the editor lets it (startActiveSpan's callback; register.ts
 * hands it here only for an async function while a breakpoint names the tool). Fail Step ends the
 * span as failed and raises the editor's message.
 */
export function gateTool<T>(gate: Gate, tool: string, args: unknown, span: { recordException?(e: Error): void; setStatus?(s: { code: number; message?: string }): void; end?(): void }, run: () => Promise<T>, failWith?: string): Promise<T> {
  const answer = failWith !== undefined ? Promise.resolve<Answer>({ fail: failWith }) : gate.pause({ kind: 'tool', name: tool, input: args, via: 'startActiveSpan' });
  return answer.then((a) => {
    if (a?.fail === undefined) return run();
    const err = new Error(a.fail);
    try { span.recordException?.(err); span.setStatus?.({ code: 2, message: a.fail }); span.end?.(); } catch { /* the tool fails all the same */ }
    throw err;
  });
}
