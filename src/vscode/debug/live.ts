// The live debug session (debug type `agent-lens`, `"request": "attach", "live": true`): the
// running agent, not a recording. Its function breakpoints name tools and models; the receiver
// tells the gates in the apps (protocol/live.ts), and a call one of them stops is a stopped thread
// here (a thread per process and agent). Variables show what the call is about to be made with (a model
// call's request, a tool's arguments) and Set Value edits it; Continue sends the call on with the
// edits; the `failStep` request makes it fail instead (a tool raises the message). Detaching lets
// every paused call go on unchanged. Editor-free: tests drive it as a protocol peer.
import * as path from 'node:path';
import { BreakpointEvent, DebugSession, Handles, InitializedEvent, OutputEvent, Scope, Source, StackFrame, StoppedEvent, TerminatedEvent, Thread, ThreadEvent, Variable, ContinuedEvent, Breakpoint } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { liveBreaks, type LiveBreakpoints, type LivePause, type LiveState } from '../../protocol';
import { ExprError, compileCondition, compileHitCondition } from '../../replay/expr';
import type { ServerClient } from '../client';

/** Where a live session meets the receiver (ServerClient in the extension). */
export interface LiveSource {
  /** Attaches with these breakpoints (null detaches: every paused call goes on unchanged). */
  attachLive(breakpoints: LiveBreakpoints | null): void;
  /** The receiver's live state, each time it changes; returns the unsubscribe. */
  onLive(cb: (state: LiveState) => void): () => void;
  /** `pass`: this session does not stop it (the call goes on once no other editor stops it). */
  answerPause(p: LivePause, answer: { input?: unknown } | { fail: string } | { pass: true }): void;
}

/** A live source over the receiver's client (its /ws feed). */
export function liveSourceOf(client: ServerClient): LiveSource {
  return {
    attachLive: (bp) => client.attachLive(bp),
    onLive: (cb) => client.onFeed((m) => { if (m.type === 'live') cb({ processes: m.processes, pauses: m.pauses }); }),
    answerPause: (p, a) => client.answerPause(p, a),
  };
}

/** The failStep request's arguments: the thread whose call fails, and the message it fails with. */
export interface FailStepArgs { threadId?: number; message?: string }

/** The pausedInput request's answer: what the thread's paused call is about to be made with, and the pause's key. */
export interface PausedInput { key: string; kind: 'tool' | 'llm'; name: string; input: unknown }

/**
 * Where a bigger edit is: a JSON document the editor opened for a pause (by its key), whose text
 * Continue sends instead of the Variables' edits. Undefined: no document for it.
 */
export type DocumentInput = (key: string) => string | undefined;

const ERR = { edit: 3101, fail: 3102 };

interface ProcessThread { id: number; processId: string; name: string; queue: LivePause[]; edited?: unknown }

/** Function breakpoint names as live breakpoints: a name may be a tool's or a model's, so it goes in both. */
export function liveBreakpointsOf(names: readonly string[]): LiveBreakpoints {
  if (names.some((n) => n.trim() === '*')) return { tools: '*', models: '*' };
  const list = [...new Set(names.map((n) => n.trim()).filter(Boolean))];
  return { tools: list, models: list };
}

type Ref = { thread: ProcessThread; pause: LivePause; root: 'input' | 'call'; path: (string | number)[] };

/** A pause's key, the same in every editor: its process and its id there. */
const pauseKey = (p: LivePause) => `${p.process.id}/${p.pauseId}`;

/**
 * A paused call's fields as a breakpoint's condition reads them: the names a recorded step's
 * conditions use (`tool`, `model`, `agent`, `args`, `input` for the messages, `system`), and the
 * whole request as its provider takes it (`request`).
 */
export function liveScope(p: LivePause): Record<string, unknown> {
  const s = p.step;
  const req = s.kind === 'llm' && s.input !== null && typeof s.input === 'object' && !Array.isArray(s.input) ? s.input as Record<string, unknown> : undefined;
  return {
    kind: s.kind,
    name: s.name,
    tool: s.kind === 'tool' ? s.name : undefined,
    model: s.kind === 'llm' ? s.name : undefined,
    requestModel: s.kind === 'llm' ? s.name : undefined,
    agent: s.agent,
    args: s.kind === 'tool' ? s.input : undefined,
    // OpenAI chat and Anthropic messages: `messages`; OpenAI responses: `input`.
    input: req ? req.messages ?? req.input : undefined,
    system: req ? req.system ?? req.instructions : undefined,
    request: req,
    via: s.via,
    pid: p.process.pid,
    service: p.process.service,
  };
}

/** A function breakpoint as a live session keeps it: its name, and what it asks besides. */
interface LiveBreakpoint {
  name: string;
  state: DebugProtocol.Breakpoint;
  condition?: (scope: Record<string, unknown>) => boolean;
  hit?: (hits: number) => boolean;
  /** Calls of the name whose condition held, since it was set. */
  hits: number;
}

export class LiveSession extends DebugSession {
  private breakpoints: LiveBreakpoints = { tools: [], models: [] };
  private specs: LiveBreakpoint[] = [];
  private nextBreakpointId = 1;
  private attached = false;
  private unsubscribe: (() => void) | undefined;
  private readonly threads = new Map<string, ProcessThread>();
  private nextThread = 1;
  private handles = new Handles<Ref>();
  /** Pauses already shown or queued, by process and pause id. */
  private readonly known = new Set<string>();

  constructor(private readonly source: LiveSource, private readonly documentInput?: DocumentInput) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true, supportsFunctionBreakpoints: true, supportsSetVariable: true, supportsTerminateRequest: true,
      supportsExceptionInfoRequest: true,
      exceptionBreakpointFilters: [{ filter: 'failed', label: 'Failed steps', description: 'Stop when a model call or a tool of the live agent fails, before the failure goes on to the app', default: false }],
    };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    // Conditions and hit counts as for a recording (replay/expr.ts). The gates stop every call of
    // the names set; a call whose breakpoints' conditions do not hold is sent on at once, here.
    this.specs = args.breakpoints.map((b) => {
      const state: DebugProtocol.Breakpoint = new Breakpoint(true);
      state.id = this.nextBreakpointId++;
      const spec: LiveBreakpoint = { name: b.name.trim(), state, hits: 0 };
      try {
        if (b.condition?.trim()) spec.condition = compileCondition(b.condition);
        if (b.hitCondition?.trim()) spec.hit = compileHitCondition(b.hitCondition);
      } catch (e) {
        state.verified = false;
        state.message = e instanceof ExprError ? `condition: ${e.message}` : String((e as Error).message);
      }
      return spec;
    });
    this.tellGates();
    response.body = { breakpoints: this.specs.map((b) => b.state) };
    this.sendResponse(response);
  }

  /** Break on failed step ("Failed steps" in the Breakpoints pane). */
  private breakOnFailed = false;

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.breakOnFailed = args.filters.includes('failed') || (args.filterOptions ?? []).some((f) => f.filterId === 'failed');
    this.tellGates();
    response.body = { breakpoints: [...args.filters.map(() => new Breakpoint(true)), ...(args.filterOptions ?? []).map(() => new Breakpoint(true))] };
    this.sendResponse(response);
  }

  /** The gates hear this session's breakpoints: the names of the verified ones, and whether failures stop. */
  private tellGates(): void {
    this.breakpoints = { ...liveBreakpointsOf(this.specs.filter((b) => b.state.verified).map((b) => b.name)), ...(this.breakOnFailed ? { failed: true } : {}) };
    if (this.attached) this.source.attachLive(this.breakpoints);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    const p = this.thread(args.threadId)?.queue[0];
    response.body = { exceptionId: 'failed step', description: p?.step.failed ?? '', breakMode: 'always' };
    this.sendResponse(response);
  }

  /**
   * Whether a call a gate stopped stops here: a breakpoint names it, its condition holds and its
   * hit count is reached. Each breakpoint that names it and whose condition holds counts a hit.
   */
  private stopsHere(p: LivePause): boolean {
    // A failure: stopped when this session breaks on failed steps (function breakpoints are for calls before they run).
    if (p.step.failed !== undefined) return this.breakOnFailed;
    let stop = false;
    let scope: Record<string, unknown> | undefined;
    for (const b of this.specs) {
      if (!b.state.verified || !liveBreaks(liveBreakpointsOf([b.name]), p.step.kind, p.step.name)) continue;
      if (b.condition) {
        let holds = false;
        try {
          holds = b.condition(scope ??= liveScope(p));
        } catch (e) {
          // A condition over its budget would cost as much on every call: it is turned off, and says why.
          if (e instanceof ExprError && e.tooLong) {
            b.state.verified = false;
            b.state.message = `condition: ${e.message} (on ${p.step.kind === 'tool' ? 'tool' : 'model call'} ${p.step.name}); the breakpoint is off until it is set again`;
            this.sendEvent(new BreakpointEvent('changed', b.state as Breakpoint));
            this.tellGates();
          }
        }
        if (!holds) continue;
      }
      b.hits++;
      if (!b.hit || b.hit(b.hits)) stop = true;
    }
    return stop;
  }

  protected override attachRequest(response: DebugProtocol.AttachResponse): void {
    this.attached = true;
    this.unsubscribe = this.source.onLive((state) => this.onState(state));
    this.source.attachLive(this.breakpoints);
    this.sendEvent(new OutputEvent('Attached to live agents: a tool or model call named by a function breakpoint stops before it runs, in any app started from the editor.\n', 'console'));
    this.sendResponse(response);
  }

  /** The receiver's state: new pauses are queued on their process's thread (the first is shown); calls let go elsewhere leave. */
  private onState(state: LiveState): void {
    const waiting = new Set(state.pauses.map((p) => `${p.process.id}/${p.pauseId}`));
    for (const p of state.pauses) {
      const key = `${p.process.id}/${p.pauseId}`;
      if (this.known.has(key)) continue;
      this.known.add(key);
      // Stopped by the gate for its name, but not for this session's condition or hit count: on at once.
      if (!this.stopsHere(p)) { this.source.answerPause(p, { pass: true }); continue; }
      // A thread per process and agent: two agents of one app pause and go on apart.
      const threadKey = `${p.process.id}\u0000${p.step.agent ?? ''}`;
      let t = this.threads.get(threadKey);
      if (!t) {
        t = { id: this.nextThread++, processId: p.process.id, name: `${p.step.agent ? `agent ${p.step.agent} · ` : ''}${p.process.service} (pid ${p.process.pid})`, queue: [] };
        this.threads.set(threadKey, t);
        this.sendEvent(new ThreadEvent('started', t.id));
      }
      t.queue.push(p);
      if (t.queue.length === 1) this.stopAt(t);
    }
    // Calls that went on without us (their pause timed out in the app): off the queues.
    for (const t of this.threads.values()) {
      const head = t.queue[0];
      t.queue = t.queue.filter((p) => waiting.has(`${p.process.id}/${p.pauseId}`));
      if (head && t.queue[0] !== head) {
        t.edited = undefined;
        this.sendEvent(new ContinuedEvent(t.id, false));
        if (t.queue.length) this.stopAt(t);
      }
    }
    for (const key of [...this.known]) if (!waiting.has(key)) this.known.delete(key);
  }

  private stopAt(t: ProcessThread): void {
    const p = t.queue[0]!;
    t.edited = undefined;
    const what = p.step.kind === 'tool' ? `tool ${p.step.name}` : `model call ${p.step.name}`;
    const failed = p.step.failed !== undefined;
    const e = new StoppedEvent(failed ? 'exception' : 'function breakpoint', t.id, failed ? p.step.failed : undefined) as DebugProtocol.StoppedEvent;
    e.body.description = failed ? `Paused after ${what} failed` : `Paused before ${what} runs`;
    e.body.allThreadsStopped = false;
    this.sendEvent(e);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [...this.threads.values()].map((t) => new Thread(t.id, t.name)) };
    this.sendResponse(response);
  }

  private thread(id: number | undefined): ProcessThread | undefined {
    for (const t of this.threads.values()) if (t.id === id) return t;
    return undefined;
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const t = this.thread(args.threadId);
    const p = t?.queue[0];
    const frames: DebugProtocol.StackFrame[] = [];
    if (t && p) {
      const name = `${p.step.kind === 'tool' ? 'tool' : 'model call'} ${p.step.name}${p.step.agent ? ` < agent ${p.step.agent}` : ''} (${p.step.failed !== undefined ? 'failed' : 'before it runs'})`;
      // The line of the app that made the call, when its span says (the capture helper stamps it);
      // else a page about the call (the editor shows a frame's variables once it has a source).
      const src = p.step.source;
      frames.push(src
        ? new StackFrame(t.id, name, new Source(path.basename(src.path), src.path), src.line, src.column ?? 1)
        : new StackFrame(t.id, name, new Source(`${p.step.kind === 'tool' ? 'tool' : 'model call'} ${p.step.name.replace(/[/\\]/g, '_')} (paused).md`, undefined, t.id, 'Agent Lens live'), 1, 1));
    }
    response.body = { stackFrames: frames, totalFrames: frames.length };
    this.sendResponse(response);
  }

  /** The page of a paused call without a line of its own: what it is, where, and its input. */
  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    const t = this.thread(args.source?.sourceReference ?? args.sourceReference);
    const p = t?.queue[0];
    if (!t || !p) return this.sendErrorResponse(response, ERR.edit, 'that call is no longer paused');
    const input = t.edited !== undefined ? t.edited : p.step.input;
    const text = JSON.stringify(input, null, 2) ?? 'undefined';
    response.body = {
      content: [
        `# Paused before ${p.step.kind === 'tool' ? 'tool' : 'model call'} ${p.step.name} runs`, '',
        `- caught at: ${p.step.via}`, ...(p.step.agent ? [`- agent: ${p.step.agent}`] : []),
        `- process: ${p.process.service} (pid ${p.process.pid})`, ...(p.step.traceId ? [`- run: ${p.step.traceId}, span ${p.step.spanId}`] : []), '',
        `${p.step.kind === 'tool' ? 'Arguments' : 'Request'}${t.edited !== undefined ? ' (as edited)' : ''}: change them in Variables (Set Value), then Continue; or Fail Step.`, '',
        '```json', text.length > 200_000 ? `${text.slice(0, 200_000)}\n… (cut: ${text.length.toLocaleString('en-US')} characters in all)` : text, '```', '',
      ].join('\n'),
      mimeType: 'text/markdown',
    };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const t = this.thread(args.frameId);
    const p = t?.queue[0];
    response.body = {
      scopes: t && p ? [
        new Scope(p.step.kind === 'tool' ? 'Arguments' : 'Request', this.handles.create({ thread: t, pause: p, root: 'input', path: [] }), false),
        new Scope('Call', this.handles.create({ thread: t, pause: p, root: 'call', path: [] }), false),
      ] : [],
    };
    this.sendResponse(response);
  }

  /** The value a reference points at: the call's input (edited, once edited) or what the call is. */
  private valueAt(ref: Ref): unknown {
    let v: unknown = ref.root === 'input'
      ? (ref.thread.edited !== undefined ? ref.thread.edited : ref.pause.step.input)
      : { kind: ref.pause.step.kind, name: ref.pause.step.name, via: ref.pause.step.via, ...(ref.pause.step.agent ? { agent: ref.pause.step.agent } : {}),
        ...(ref.pause.step.failed !== undefined ? { failed: ref.pause.step.failed } : {}), process: ref.pause.process };
    for (const k of ref.path) v = (v as Record<string | number, unknown> | undefined)?.[k];
    return v;
  }

  /** A child of `ref`'s value: shown as `name`, reached by `key` (an index in a list). */
  private variable(ref: Ref, name: string, key: string | number, v: unknown): DebugProtocol.Variable {
    const open = v !== null && typeof v === 'object';
    const shown = open ? (Array.isArray(v) ? `Array(${v.length})` : `{${Object.keys(v as object).slice(0, 5).join(', ')}${Object.keys(v as object).length > 5 ? ', …' : ''}}`) : JSON.stringify(v) ?? 'undefined';
    return new Variable(name, shown, open ? this.handles.create({ ...ref, path: [...ref.path, key] }) : 0);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const ref = this.handles.get(args.variablesReference);
    const v = ref && ref.thread.queue[0] === ref.pause ? this.valueAt(ref) : undefined;
    const variables: DebugProtocol.Variable[] = [];
    if (Array.isArray(v)) v.forEach((x, i) => variables.push(this.variable(ref!, `[${i}]`, i, x)));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) variables.push(this.variable(ref!, k, k, x));
    response.body = { variables };
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const ref = this.handles.get(args.variablesReference);
    if (!ref || ref.root !== 'input' || ref.thread.queue[0] !== ref.pause) {
      return this.sendErrorResponse(response, ERR.edit, 'only what the paused call is about to be made with can be changed');
    }
    if (ref.pause.step.failed !== undefined) return this.sendErrorResponse(response, ERR.edit, 'this call has run (it failed): it can only go on');
    // A JSON value as typed ("Porto" with quotes, 3, true, {…}); anything else is taken as text.
    let value: unknown;
    try { value = JSON.parse(args.value); } catch { value = args.value; }
    const t = ref.thread;
    if (t.edited === undefined) t.edited = structuredClone(ref.pause.step.input);
    const parent = ref.path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)?.[k], t.edited) as Record<string | number, unknown> | undefined;
    const key: string | number = Array.isArray(parent) ? Number(args.name.replace(/[[\]]/g, '')) : args.name;
    if (!parent || typeof parent !== 'object' || !(key in parent)) return this.sendErrorResponse(response, ERR.edit, `${args.name} is not there to change`);
    parent[key] = value;
    const open = value !== null && typeof value === 'object';
    response.body = { value: open ? (Array.isArray(value) ? `Array(${value.length})` : '{…}') : JSON.stringify(value), variablesReference: open ? this.handles.create({ ...ref, path: [...ref.path, key] }) : 0 };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse, args: DebugProtocol.ContinueArguments): void {
    const t = this.thread(args.threadId);
    const p = t?.queue[0];
    if (t && p) {
      // A JSON document opened for this call (Edit Paused Call as JSON): its text is what is sent.
      const text = p.step.failed === undefined ? this.documentInput?.(pauseKey(p)) : undefined;
      if (text !== undefined) {
        try {
          t.edited = JSON.parse(text);
        } catch (e) {
          return this.sendErrorResponse(response, ERR.edit, `the JSON document for ${p.step.kind === 'tool' ? 'tool' : 'model call'} ${p.step.name} does not parse (${(e as Error).message}): fix it, or close it to send the call as the Variables show it`);
        }
      }
      this.source.answerPause(p, t.edited === undefined ? {} : { input: t.edited });
      this.next(t);
    }
    response.body = { allThreadsContinued: false };
    this.sendResponse(response);
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: FailStepArgs): void {
    if (command === 'pausedInput') {
      const t = this.thread(args?.threadId) ?? [...this.threads.values()].find((x) => x.queue.length);
      const p = t?.queue[0];
      if (!t || !p) return this.sendErrorResponse(response, ERR.edit, 'no call is paused');
      if (p.step.failed !== undefined) return this.sendErrorResponse(response, ERR.edit, 'this call has run (it failed): it can only go on');
      response.body = { key: pauseKey(p), kind: p.step.kind, name: p.step.name, input: t.edited !== undefined ? t.edited : p.step.input } satisfies PausedInput;
      return this.sendResponse(response);
    }
    if (command !== 'failStep') return super.customRequest(command, response, args);
    const t = this.thread(args?.threadId) ?? [...this.threads.values()].find((x) => x.queue.length);
    const p = t?.queue[0];
    if (!t || !p) return this.sendErrorResponse(response, ERR.fail, 'no call is paused');
    if (p.step.failed !== undefined) return this.sendErrorResponse(response, ERR.fail, 'this call has failed already: Continue lets its failure go on');
    this.source.answerPause(p, { fail: String(args?.message || `${p.step.name} failed from the debugger`) });
    this.next(t);
    this.sendResponse(response);
  }

  /** The thread's call was answered: the next one waiting, if any, is shown. */
  private next(t: ProcessThread): void {
    const p = t.queue.shift();
    if (p) this.known.add(`${p.process.id}/${p.pauseId}`);
    t.edited = undefined;
    this.handles.reset();
    if (t.queue.length) this.stopAt(t);
  }

  // Stepping means going on to the next paused call: the same as Continue here.
  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.continueRequest(response as DebugProtocol.ContinueResponse, args);
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.sendEvent(new OutputEvent('A live agent stops at its breakpoints only: add a function breakpoint on a tool or a model.\n', 'console'));
    this.sendResponse(response);
  }

  private detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.unsubscribe?.();
    this.source.attachLive(null);
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.detach();
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.detach();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }
}
