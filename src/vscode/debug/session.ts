// The debug session over a recorded run (debug type `agent-lens`): the Debug Adapter Protocol on
// top of the replay engine, with @vscode/debugadapter. Editor-free, so that the tests drive it as
// a protocol peer; the extension runs it inline (DebugAdapterInlineImplementation).
//
// launch: replays one run (a trace id, or the latest), paused at its first step by default.
// attach: follows runs as they arrive and stops (the view, not the app) when a breakpoint matches
// a step that just came in; from there it steps like a launch.
import {
  Breakpoint, BreakpointEvent, DebugSession, Event, Handles, InitializedEvent, OutputEvent, Scope, Source, StackFrame, StoppedEvent,
  TerminatedEvent, Thread, Variable, ContinuedEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as path from 'node:path';
import type { TraceResponse } from '../../protocol';
import { lightTrace, Replay, stepLabel, type BreakpointSpec, type BreakpointState, type Step, type Stop } from '../../replay/engine';
import { ExprError } from '../../replay/expr';
import { childrenOf, hasChildren, preview, scopesOf, stepDocument } from './variables';
import { CAPABILITIES } from './capabilities';
import { StepContent } from './content';
import type { ReplaySource } from './source';
import { launchProblem, TRACE_ID, type LaunchArgs, type StepEventBody } from './launchArgs';
export { launchProblem, type LaunchArgs, type StepEventBody } from './launchArgs';

export type { ReplaySource } from './source';

const ERR = { launch: 3001, eval: 3002, request: 3003 };

export class ReplaySession extends DebugSession {
  private replay: Replay | undefined;
  private following = false;
  private stopped = false;
  private configured!: () => void;
  private readonly configurationDone = new Promise<void>((r) => { this.configured = r; });
  private handles = new Handles<unknown>();
  private readonly sourceBps = new Map<string, BreakpointSpec[]>();
  private functionBps: BreakpointSpec[] = [];
  private exceptionBps: BreakpointSpec[] = [];
  private nextBpId = 1;
  private unsubscribe: (() => void) | undefined;
  /** attach: spans already seen per run (only new ones can stop). */
  private readonly seen = new Map<string, Set<string>>();
  private readonly pending = new Set<string>();
  private arrivalTimer: NodeJS.Timeout | undefined;

  /** Loads the content of a light replay's steps as they are looked at. */
  private readonly content: StepContent;

  constructor(private readonly source: ReplaySource) {
    super();
    this.content = new StepContent(source, (text) => this.output(text, 'important'));
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = CAPABILITIES;
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configured();
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArgs): Promise<void> {
    try {
      const problem = launchProblem(args);
      if (problem) throw new Error(problem);
      const traceId = args.traceId?.trim() || (args.run === 'latest' || !args.traceId ? await this.source.latest() : undefined);
      if (!traceId) throw new Error('the receiver has no runs yet: run your app, then start the replay again');
      if (!TRACE_ID.test(traceId)) throw new Error(`"${traceId}" is not a trace id (32 hexadecimal digits)`);
      const id = traceId.toLowerCase();
      const light = this.source.tree !== undefined && this.source.spans !== undefined;
      let trace: TraceResponse;
      try {
        if (light) { const t = await this.source.tree!(id); trace = lightTrace(t.summary, t.spans); } else trace = await this.source.trace(id);
      } catch (e) { throw new Error(`no run ${traceId} in the receiver (${(e as Error).message})`); }
      this.replay = new Replay(trace, { mappings: this.source.mappings?.() ?? [], light });
    } catch (e) {
      this.sendErrorResponse(response, { id: ERR.launch, format: `Agent Lens: cannot replay: ${(e as Error).message}`, showUser: true });
      return;
    }
    this.watchRuns();
    this.sendEvent(new InitializedEvent());
    await Promise.race([this.configurationDone, new Promise((r) => setTimeout(r, 5000))]);
    this.applyBreakpoints(this.replay);
    this.sendResponse(response);
    this.output(`Replaying run ${this.replay.trace.summary.traceId}: ${this.replay.steps.filter((s) => s.decision).length} steps (${this.replay.steps.length} spans), ${this.replay.threads.length} thread${this.replay.threads.length === 1 ? '' : 's'}.\n`);
    const at = args.startAt ? this.replay.step(args.startAt) : undefined;
    if (args.startAt && !at) this.output(`No step ${args.startAt} in this run: starting at its first step.\n`, 'important');
    const r = this.replay;
    this.report(at ? r.goto(at.span.spanId) : await this.content.withDetail(r, () => r.start(args.stopOnEntry !== false)));
  }

  protected override async attachRequest(response: DebugProtocol.AttachResponse): Promise<void> {
    if (!this.source.onRuns) {
      this.sendErrorResponse(response, { id: ERR.launch, format: 'Agent Lens: this receiver connection cannot follow runs live', showUser: true });
      return;
    }
    this.following = true;
    this.watchRuns();
    this.sendEvent(new InitializedEvent());
    await Promise.race([this.configurationDone, new Promise((r) => setTimeout(r, 5000))]);
    this.sendResponse(response);
    this.output('Following runs as they arrive: the replay stops when a breakpoint matches a step that just came in.\n');
  }

  private watchRuns(): void {
    if (this.unsubscribe || !this.source.onRuns) return;
    this.unsubscribe = this.source.onRuns((changed, removed) => {
      const current = this.replay?.trace.summary.traceId;
      if (current && (removed === 'all' || removed.includes(current))) {
        this.output(`The run ${current} was deleted from the receiver; the replay goes on with what was loaded.\n`, 'important');
      }
      if (this.following && changed.length) {
        // Spans of one run arrive in batches: each run is read once per 100 ms at most.
        for (const id of changed) this.pending.add(id);
        this.arrivalTimer ??= setTimeout(() => {
          this.arrivalTimer = undefined;
          const ids = [...this.pending];
          this.pending.clear();
          void this.arrived(ids);
        }, 100);
      }
    });
  }

  /** attach: new spans of these runs; a breakpoint on one of them stops the view there. */
  private async arrived(traceIds: string[]): Promise<void> {
    for (const id of traceIds) {
      if (this.stopped) {
        // Stopped: what comes in meanwhile is seen when the user goes on.
        continue;
      }
      let trace: TraceResponse;
      try { trace = await this.source.trace(id); } catch { continue; }
      if (!trace.spans.length) continue;
      const seen = this.seen.get(id) ?? new Set<string>();
      this.seen.set(id, seen);
      const r = new Replay(trace, { mappings: this.source.mappings?.() ?? [] });
      this.applyBreakpoints(r);
      const fresh = r.steps.filter((s) => !seen.has(s.span.spanId));
      for (const s of r.steps) seen.add(s.span.spanId);
      for (const s of fresh) {
        const stop = r.stopAt(s.index);
        if (stop && !this.stopped) {
          this.replay = r;
          this.report(stop);
          return;
        }
      }
    }
  }

  private applyBreakpoints(r: Replay): BreakpointState[] {
    const states: BreakpointState[] = [];
    for (const [file, specs] of this.sourceBps) states.push(...r.setBreakpoints('source', specs, file));
    states.push(...r.setBreakpoints('function', this.functionBps));
    states.push(...r.setBreakpoints('exception', this.exceptionBps));
    return states;
  }

  // ---- breakpoints ----

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const file = args.source.path;
    if (!file) { response.body = { breakpoints: (args.breakpoints ?? []).map(() => ({ verified: false, message: 'a breakpoint of a step document cannot stop a replay' })) }; return this.sendResponse(response); }
    const specs: BreakpointSpec[] = (args.breakpoints ?? []).map((b) => ({ kind: 'source', path: file, line: b.line, id: this.nextBpId++,
      ...(b.condition ? { condition: b.condition } : {}), ...(b.hitCondition ? { hitCondition: b.hitCondition } : {}) }));
    this.sourceBps.set(file, specs);
    const states = this.replay ? this.replay.setBreakpoints('source', specs, file) : undefined;
    response.body = { breakpoints: specs.map((spec, i) => this.dapBreakpoint(spec, states?.[i], (spec as { line: number }).line)) };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.functionBps = args.breakpoints.map((b) => ({ kind: 'function', name: b.name, id: this.nextBpId++,
      ...(b.condition ? { condition: b.condition } : {}), ...(b.hitCondition ? { hitCondition: b.hitCondition } : {}) }));
    const states = this.replay?.setBreakpoints('function', this.functionBps);
    response.body = { breakpoints: this.functionBps.map((spec, i) => this.dapBreakpoint(spec, states?.[i])) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    const filters: { filterId: string; condition?: string }[] = [...(args.filters ?? []).map((f) => ({ filterId: f })), ...(args.filterOptions ?? [])];
    this.exceptionBps = filters.filter((f) => f.filterId === 'failed' || f.filterId === 'truncated')
      .map((f) => ({ kind: 'exception', filter: f.filterId as 'failed' | 'truncated', id: this.nextBpId++, ...(f.condition ? { condition: f.condition } : {}) }));
    const states = this.replay?.setBreakpoints('exception', this.exceptionBps);
    response.body = { breakpoints: this.exceptionBps.map((spec, i) => this.dapBreakpoint(spec, states?.[i])) };
    this.sendResponse(response);
  }

  private dapBreakpoint(spec: BreakpointSpec, state: BreakpointState | undefined, line?: number): DebugProtocol.Breakpoint {
    const b: DebugProtocol.Breakpoint = new Breakpoint(state ? state.verified : spec.kind !== 'source', line);
    b.id = spec.id;
    if (state?.message) b.message = state.message;
    else if (!state && spec.kind === 'source') b.message = 'no run is being replayed yet';
    return b;
  }

  // ---- threads, stack, scopes, variables ----

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: this.replay ? this.replay.threads.map((t) => new Thread(t.id, t.name)) : [new Thread(1, 'following runs')] };
    this.sendResponse(response);
  }

  protected override async stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): Promise<void> {
    const r = this.replay;
    if (!r) { response.body = { stackFrames: [], totalFrames: 0 }; return this.sendResponse(response); }
    const cur = r.current;
    let top: Step | undefined = cur.thread === args.threadId ? cur : undefined;
    // Another agent's thread: its latest step so far, or its agent if it has not started.
    if (!top) {
      for (let i = cur.index; i >= 0 && !top; i--) if (r.steps[i]!.thread === args.threadId) top = r.steps[i];
      top ??= r.steps.find((s) => s.thread === args.threadId);
    }
    const chain: Step[] = [];
    for (let s = top; s; s = s.parent) chain.push(s);
    const frames = await Promise.all(chain.map((s, i) => this.frameOf(s, i === 0 && r.position.returned === true && s === cur)));
    const start = args.startFrame ?? 0;
    const count = args.levels ? args.levels : frames.length;
    response.body = { stackFrames: frames.slice(start, start + count), totalFrames: frames.length };
    this.sendResponse(response);
  }

  private async frameOf(s: Step, returned: boolean): Promise<DebugProtocol.StackFrame> {
    const name = `${stepLabel(s)}${returned ? ' (after its steps)' : ''}`;
    const loc = s.span.genai?.source?.[0];
    if (loc) {
      const local = await this.source.resolvePath?.(loc.path).catch(() => undefined);
      if (local) {
        const f = new StackFrame(s.index + 1, name, new Source(path.basename(local), local), loc.line, loc.column ?? 1);
        return f;
      }
    }
    return new StackFrame(s.index + 1, name, new Source(`step ${s.index + 1} · ${stepLabel(s).replace(/[/\\]/g, '_')}.md`, undefined, s.index + 1, 'Agent Lens replay'), 1, 1);
  }

  private stepOfFrame(frameId: number | undefined): Step | undefined {
    if (!this.replay) return undefined;
    return frameId ? this.replay.steps[frameId - 1] : this.replay.current;
  }

  protected override async sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): Promise<void> {
    const r = this.replay;
    const s = r?.steps[(args.source?.sourceReference ?? args.sourceReference) - 1];
    if (!r || !s) return this.sendErrorResponse(response, { id: ERR.request, format: 'this step is not in the run being replayed', showUser: false });
    await this.content.load(r, [s]);
    response.body = { content: stepDocument(s, r.scope(s)), mimeType: 'text/markdown' };
    this.sendResponse(response);
  }

  protected override async scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): Promise<void> {
    const r = this.replay;
    const s = this.stepOfFrame(args.frameId);
    if (!r || !s) { response.body = { scopes: [] }; return this.sendResponse(response); }
    await this.content.load(r, [s]);
    response.body = { scopes: scopesOf(s, r.scope(s)).map((sc) => new Scope(sc.name, this.handles.create(sc.value), sc.expensive ?? false)) };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const v = this.handles.get(args.variablesReference);
    let kids = childrenOf(v);
    if (args.start !== undefined || args.count !== undefined) kids = kids.slice(args.start ?? 0, (args.start ?? 0) + (args.count ?? kids.length));
    response.body = { variables: kids.map(([k, x]) => this.variable(k, x)) };
    this.sendResponse(response);
  }

  private variable(name: string, v: unknown): DebugProtocol.Variable {
    const out: DebugProtocol.Variable = new Variable(Array.isArray(v) || !/^\d+$/.test(name) ? name : `[${name}]`, preview(v), hasChildren(v) ? this.handles.create(v) : 0);
    if (Array.isArray(v) && v.length > 100) out.indexedVariables = v.length;
    return out;
  }

  protected override async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    const r = this.replay;
    const s = this.stepOfFrame(args.frameId);
    if (!r || !s) return this.sendErrorResponse(response, { id: ERR.eval, format: 'no step to evaluate on: the replay is not stopped', showUser: false });
    try {
      const v = await this.content.withDetail(r, () => r.evaluate(args.expression, s));
      response.body = { result: preview(v), variablesReference: hasChildren(v) ? this.handles.create(v) : 0 };
      this.sendResponse(response);
    } catch (e) {
      // A hover over a word that is no field shows nothing; elsewhere the error says what is wrong.
      const msg = e instanceof ExprError ? e.message : String((e as Error).message);
      this.sendErrorResponse(response, { id: ERR.eval, format: msg.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')')), showUser: false });
    }
  }

  // ---- motion ----

  private async move(response: DebugProtocol.Response, f: (r: Replay) => Stop, dir: 1 | -1 = 1): Promise<void> {
    const r = this.replay;
    if (!r) return this.sendErrorResponse(response, { id: ERR.request, format: 'no run is being replayed yet', showUser: false });
    let stop: Stop;
    try { stop = await this.content.withDetail(r, () => f(r), dir); } catch (e) {
      return this.sendErrorResponse(response, { id: ERR.request, format: String((e as Error).message).replace(/[{}]/g, ''), showUser: true });
    }
    this.sendResponse(response);
    this.report(stop);
  }

  protected override async continueRequest(response: DebugProtocol.ContinueResponse): Promise<void> {
    response.body = { allThreadsContinued: true };
    const r = this.replay;
    if (this.following && r) {
      // Following: stop at a breakpoint among the steps already here, else wait for new ones.
      const next = await this.content.withDetail(r, () => r.continueToBreakpoint());
      this.sendResponse(response);
      if (next) this.report(next);
      else { this.stopped = false; this.sendEvent(new ContinuedEvent(r.current.thread, true)); }
      return;
    }
    await this.move(response, (x) => x.continue());
  }
  protected override nextRequest(response: DebugProtocol.NextResponse): void { void this.move(response, (r) => r.stepOver()); }
  protected override stepInRequest(response: DebugProtocol.StepInResponse): void { void this.move(response, (r) => r.stepIn()); }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void { void this.move(response, (r) => r.stepOut()); }
  protected override stepBackRequest(response: DebugProtocol.StepBackResponse): void { void this.move(response, (r) => r.stepBack(), -1); }
  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void { void this.move(response, (r) => r.reverseContinue(), -1); }
  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    // A replay is always paused between requests; following, it stops where it is.
    void this.move(response, (r) => ({ ...r.position, reason: 'step', description: `paused at ${stepLabel(r.current)}` }));
  }

  protected override gotoTargetsRequest(response: DebugProtocol.GotoTargetsResponse, args: DebugProtocol.GotoTargetsArguments): void {
    const r = this.replay;
    const ref = args.source.sourceReference;
    const steps = !r ? [] : ref ? [r.steps[ref - 1]].filter((s): s is Step => !!s)
      : r.steps.filter((s) => (s.span.genai?.source ?? []).some((l) => l.line === args.line && args.source.path && path.basename(l.path) === path.basename(args.source.path)));
    response.body = { targets: steps.map((s) => ({ id: s.index + 1, label: stepLabel(s), line: args.line })) };
    this.sendResponse(response);
  }

  protected override gotoRequest(response: DebugProtocol.GotoResponse, args: DebugProtocol.GotoArguments): void {
    const s = this.replay?.steps[args.targetId - 1];
    if (!s) return this.sendErrorResponse(response, { id: ERR.request, format: 'no such step in this run', showUser: true });
    void this.move(response, (r) => r.goto(s.span.spanId));
  }

  /** `runToStep` {spanId}: the run view's "Run to Step"; `currentStep`: the run and step the replay is at (what if, from the debugger). */
  protected override customRequest(command: string, response: DebugProtocol.Response, args: { spanId?: string } | undefined): void {
    if (command === 'currentStep') {
      const cur = this.replay?.current;
      if (!cur) return this.sendErrorResponse(response, { id: ERR.request, format: 'no run is being replayed', showUser: true });
      response.body = { traceId: cur.span.traceId, spanId: cur.span.spanId, kind: cur.span.genai?.kind };
      return this.sendResponse(response);
    }
    if (command !== 'runToStep') return super.customRequest(command, response, args);
    const r = this.replay;
    const s = args?.spanId ? r?.step(args.spanId) : undefined;
    if (!r || !s) return this.sendErrorResponse(response, { id: ERR.request, format: `no step ${args?.spanId ?? '(none given)'} in the run being replayed`, showUser: true });
    void this.move(response, (x) => x.goto(s.span.spanId));
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.stopFollowing();
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.stopFollowing();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  /** The session ends: no more waiting for the run's spans, no more live feed. */
  private stopFollowing(): void {
    clearTimeout(this.arrivalTimer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  // ---- reporting ----

  private report(stop: Stop): void {
    const r = this.replay!;
    // Breakpoints whose condition ran out of its time on the way here: off, and said.
    for (const state of r.disabled.splice(0)) {
      this.sendEvent(new BreakpointEvent('changed', this.dapBreakpoint(state.spec, state, state.line)));
      this.output(`Agent Lens: breakpoint ${state.id} ${state.message}\n`, 'important');
    }
    const step = r.steps[stop.index]!;
    this.stopped = true;
    this.handles = new Handles<unknown>();
    const reason = stop.reason === 'end' ? 'pause' : stop.reason;
    const e = new StoppedEvent(reason, step.thread) as DebugProtocol.StoppedEvent;
    e.body.description = stop.reason === 'end' ? `end of the run (${stepLabel(step)})` : stop.description;
    e.body.allThreadsStopped = true;
    if (stop.hitBreakpointIds?.length) e.body.hitBreakpointIds = stop.hitBreakpointIds;
    if (stop.reason === 'exception') e.body.text = stop.description.replace(/^exception: /, '');
    this.sendEvent(e);
    const body: StepEventBody = { traceId: r.trace.summary.traceId, spanId: step.span.spanId, reason: stop.reason, description: e.body.description };
    this.sendEvent(new Event('agentLens.step', body));
  }

  private output(text: string, category: 'console' | 'important' = 'console'): void {
    this.sendEvent(new OutputEvent(text, category));
  }
}
