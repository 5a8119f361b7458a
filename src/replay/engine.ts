// The replay engine: a cursor over one recorded run's steps, in execution order, that steps in,
// over, out, forwards and back, and stops at breakpoints. Editor-free: the debug adapter
// (src/vscode/debug/) drives it over the Debug Adapter Protocol, the tests drive it directly.
//
// Execution order: start time, a parent before its children (a child that claims to start
// before its parent, from clock skew, is taken to start with it), ties in the order the API
// sends them (parents first, then arrival), as the run view sorts them.
//
// Every span is a place to stop (breakpoints, Run to Step), but stepping goes one decision at a
// time: agent invocations, model calls, tool executions, embeddings and retrievals. A framework's
// own spans (graph nodes, HTTP, chains) are passed over, and "this level" counts only decisions.
// A run with no GenAI step at all steps through every span.
import type { ApiSpan, TraceResponse } from '../protocol';
import { CONTENT_FIELDS, stepScope } from './scope';
import { buildSteps, NeedDetail, stepLabel, type Step, type Thread } from './steps';
export { lightSpan, lightTrace, NeedDetail, stepLabel, type Step, type Thread } from './steps';
export { stepScope } from './scope';
import { mapPath, type PathMapping } from '../source/pathMap';
import { compileCondition, compileHitCondition, evaluate, ExprError, namesIn, parseExpr, wildcard, type Node } from './expr';

/** Whether an expression reads a step's content (not in a light step). */
function readsContent(node: Node): boolean {
  for (const n of namesIn(node)) if (CONTENT_FIELDS.has(n)) return true;
  return false;
}

export type StopReason = 'entry' | 'step' | 'breakpoint' | 'function breakpoint' | 'exception' | 'goto' | 'end';

export interface Stop {
  index: number;
  reason: StopReason;
  /** What the editor shows: "breakpoint: tool book_flight", "exception: step failed: timeout". */
  description: string;
  /** Ids of the breakpoints that stopped here. */
  hitBreakpointIds?: number[];
  /** The cursor came back to this step from inside it (step out): forward motion goes on after its steps. */
  returned?: boolean;
}

export type BreakpointSpec = (
  | { kind: 'function'; name: string; condition?: string; hitCondition?: string }
  | { kind: 'source'; path: string; line: number; condition?: string; hitCondition?: string }
  | { kind: 'exception'; filter: 'failed' | 'truncated'; condition?: string }
) & {
  /** The id to report (the debug adapter keeps one per breakpoint across runs); given one otherwise. */
  id?: number;
};

export interface BreakpointState {
  id: number;
  spec: BreakpointSpec;
  verified: boolean;
  /** Why not verified: a condition that does not parse, a line no step was made at. */
  message?: string;
  /** For source breakpoints: the line of the first step made there. */
  line?: number;
}

interface ActiveBreakpoint {
  state: BreakpointState;
  matches(step: Step): boolean;
  condition?: (scope: Record<string, unknown>) => boolean;
  hit?: (n: number) => boolean;
  label(step: Step): string;
  /**
   * With a hit condition: hits so far, per step index (the condition true), counted from the start
   * of the run, for the first `counted` steps (counted on as the cursor needs them, not ahead of it).
   */
  hits: Int32Array;
  counted: number;
  reason: StopReason;
  /** Its condition reads a step's content: a light step must be filled first. */
  needsDetail: boolean;
  /** The condition's answer per step, once known (0 not yet, 1 true, 2 false): a motion that waited for content goes over them again. */
  results: Uint8Array;
}

const TRUNCATED = new Set(['length', 'max_tokens', 'max_output_tokens', 'content_filter', 'content-filter', 'safety', 'recitation', 'model_length']);

export class Replay {
  readonly steps: Step[];
  readonly threads: Thread[];
  private readonly byId: Map<string, Step>;
  private breakpoints: ActiveBreakpoint[] = [];
  private nextBpId = 1;
  private cursor: Stop;
  private readonly scopes = new WeakMap<Step, Record<string, unknown>>();
  readonly runStartNs: string;

  /** Opened from the run's tree rows: steps have their content once filled (`fill`). */
  readonly light: boolean;

  constructor(readonly trace: TraceResponse, private readonly opts: { mappings?: PathMapping[]; light?: boolean } = {}) {
    if (!trace.spans.length) throw new Error(`run ${trace.summary.traceId} has no spans to step through`);
    this.runStartNs = trace.summary.startTimeUnixNano;
    this.light = opts.light === true;
    const built = buildSteps(trace.spans, this.light, trace.summary.rootName);
    this.steps = built.steps;
    this.threads = built.threads;
    this.byId = built.byId;
    this.cursor = { index: 0, reason: 'entry', description: `start of the run: ${stepLabel(this.steps[0]!)}` };
  }

  get position(): Stop { return this.cursor; }
  get current(): Step { return this.steps[this.cursor.index]!; }
  step(spanId: string): Step | undefined { return this.byId.get(spanId); }

  scope(step: Step): Record<string, unknown> {
    let s = this.scopes.get(step);
    if (!s) this.scopes.set(step, (s = stepScope(step, this.runStartNs)));
    return s;
  }

  /**
   * Evaluates an expression on a step (the current one by default); throws ExprError with a clear
   * message, or NeedDetail when it reads content the step has not loaded.
   */
  evaluate(expression: string, step: Step = this.current): unknown {
    const node = parseExpr(expression);
    if (!step.detailed && readsContent(node)) throw new NeedDetail(step.index);
    return evaluate(node, this.scope(step));
  }

  /**
   * Gives steps their whole spans (content included): spans of steps not in the run are passed over.
   * `asked`: the steps these were asked for; those the receiver did not send (their run deleted)
   * count as loaded too, without content, so that nothing asks for them again.
   */
  fill(spans: readonly ApiSpan[], asked: readonly Step[] = []): void {
    for (const sp of spans) {
      const st = this.byId.get(sp.spanId);
      if (!st || st.detailed) continue;
      st.span = sp;
      st.detailed = true;
      this.scopes.delete(st);
    }
    for (const st of asked) st.detailed = true;
  }

  /**
   * Steps to load so that motion can go on from step `index` in direction `dir`: that step and the
   * next ones (up to `count`) that a breakpoint reading content would look at, not loaded yet.
   */
  wanted(index: number, count: number, dir: 1 | -1 = 1): Step[] {
    const out: Step[] = [];
    const bps = this.breakpoints.filter((b) => b.state.verified && b.needsDetail);
    for (let i = index; i >= 0 && i < this.steps.length && out.length < count; i += dir) {
      const s = this.steps[i]!;
      if (!s.detailed && (i === index || bps.some((b) => b.matches(s)))) out.push(s);
    }
    return out;
  }

  // ---- breakpoints ----

  /** Replaces the breakpoints of one kind (as DAP sets them: all of a kind, or all of one file, at once). */
  setBreakpoints(kind: BreakpointSpec['kind'], specs: BreakpointSpec[], file?: string): BreakpointState[] {
    const keep = this.breakpoints.filter((b) => b.state.spec.kind !== kind || (kind === 'source' && file !== undefined && (b.state.spec as { path: string }).path !== file));
    const added = specs.map((spec) => this.compile(spec));
    this.breakpoints = [...keep, ...added];
    return added.map((b) => b.state);
  }

  get breakpointStates(): BreakpointState[] { return this.breakpoints.map((b) => b.state); }

  private compile(spec: BreakpointSpec): ActiveBreakpoint {
    const state: BreakpointState = { id: spec.id ?? this.nextBpId++, spec, verified: true };
    let matches: (s: Step) => boolean;
    let label: (s: Step) => string;
    let reason: StopReason = 'breakpoint';
    if (spec.kind === 'function') {
      const re = wildcard(spec.name.trim());
      // A tool's name stops at its runs, an agent's at its invocations, a model's at calls of it
      // (not at an agent that names its model); a span's name at that span.
      matches = (s) => {
        const g = s.span.genai;
        const names = [s.span.name];
        if (g?.kind === 'tool' && g.toolName) names.push(g.toolName);
        if (g?.kind === 'agent' && g.agentName) names.push(g.agentName);
        if ((g?.kind === 'llm' || g?.kind === 'embeddings') && g.requestModel) names.push(g.requestModel);
        if ((g?.kind === 'llm' || g?.kind === 'embeddings') && g.responseModel) names.push(g.responseModel);
        return names.some((n) => re.test(n));
      };
      label = (s) => `breakpoint: ${stepLabel(s)}${spec.name.includes('*') ? ` (${spec.name})` : ''}`;
      reason = 'function breakpoint';
    } else if (spec.kind === 'source') {
      const file = spec.path.replace(/\\/g, '/');
      matches = (s) => (s.span.genai?.source ?? []).some((l) => l.line === spec.line && (l.path.replace(/\\/g, '/') === file || mapPath(l.path, { files: [file], mappings: this.opts.mappings ?? [] }) === file));
      label = (s) => `breakpoint: ${file.split('/').pop()}:${spec.line} (${stepLabel(s)})`;
    } else {
      reason = 'exception';
      if (spec.filter === 'failed') {
        matches = (s) => s.span.status.code === 2;
        label = (s) => `exception: step failed: ${s.span.status.message || s.span.genai?.error || stepLabel(s)}`;
      } else {
        matches = (s) => (s.span.genai?.finishReasons ?? []).some((r) => TRUNCATED.has(r.toLowerCase()));
        label = (s) => `exception: ${stepLabel(s)} ended by ${(s.span.genai?.finishReasons ?? []).find((r) => TRUNCATED.has(r.toLowerCase()))}`;
      }
    }
    const b: ActiveBreakpoint = { state, matches, label, hits: new Int32Array(0), counted: 0, reason, needsDetail: false, results: new Uint8Array(this.steps.length) };
    try {
      if (spec.condition?.trim()) {
        const node = parseExpr(spec.condition);
        b.condition = compileCondition(node);
        b.needsDetail = readsContent(node);
        // Every step has the same names: an unknown one shows on the first step, now, not mid-run.
        evaluate(node, this.scope(this.steps[0]!));
      }
      if ('hitCondition' in spec && spec.hitCondition?.trim()) b.hit = compileHitCondition(spec.hitCondition);
    } catch (e) {
      state.verified = false;
      state.message = e instanceof ExprError ? `condition: ${e.message}` : String((e as Error).message);
    }
    if (state.verified && spec.kind === 'source') {
      const first = this.steps.find((s) => matches(s));
      if (first) state.line = spec.line;
      else { state.verified = false; state.message = `no step of this run was made at line ${spec.line} of ${spec.path.split(/[/\\]/).pop()}`; }
    }
    if (b.hit) b.hits = new Int32Array(this.steps.length);
    return b;
  }

  /**
   * Hits from the start of the run up to step i: a replay is the same every time, so "the third
   * time" is a place. Counted on from where the count stopped: a condition runs on a step when the
   * cursor reaches it or passes it, not on the whole run when the breakpoint is set.
   */
  private hitsAt(b: ActiveBreakpoint, i: number): number {
    let n = b.counted ? b.hits[b.counted - 1]! : 0;
    for (let k = b.counted; k <= i; k++) {
      const s = this.steps[k]!;
      if (b.state.verified && b.matches(s) && (!b.condition || this.safeCondition(b, s))) n++;
      b.hits[k] = n;
    }
    if (i >= b.counted) b.counted = i + 1;
    return b.hits[i]!;
  }

  /** Breakpoints turned off since the last call: their condition took too long (the session says so). */
  readonly disabled: BreakpointState[] = [];

  private safeCondition(b: ActiveBreakpoint, s: Step): boolean {
    const known = b.results[s.index];
    if (known) return known === 1;
    if (b.needsDetail && !s.detailed) throw new NeedDetail(s.index);
    try {
      const v = b.condition!(this.scope(s));
      b.results[s.index] = v ? 1 : 2;
      return v;
    } catch (e) {
      // A condition over its budget would cost as much on every step: the breakpoint is turned off, and says why.
      if (e instanceof ExprError && e.tooLong && b.state.verified) {
        b.state.verified = false;
        b.state.message = `condition: ${e.message} (on step ${s.index + 1}, ${stepLabel(s)}); the breakpoint is off until it is set again`;
        this.disabled.push(b.state);
      }
      return false;
    }
  }

  /** The stop a breakpoint makes at step i, if any. */
  private breakAt(i: number): Stop | undefined {
    const s = this.steps[i]!;
    const hit: ActiveBreakpoint[] = [];
    for (const b of this.breakpoints) {
      if (!b.state.verified || !b.matches(s)) continue;
      if (b.condition && !this.safeCondition(b, s)) continue;
      if (b.hit && !b.hit(this.hitsAt(b, i))) continue;
      hit.push(b);
    }
    if (!hit.length) return undefined;
    const first = hit.find((b) => b.reason === 'exception') ?? hit[0]!;
    return { index: i, reason: first.reason, description: first.label(s), hitBreakpointIds: hit.map((b) => b.state.id) };
  }

  // ---- motion ----

  private go(stop: Stop): Stop {
    this.cursor = stop;
    return stop;
  }

  /** Where forward motion starts from: after a step's subtree when the cursor came back to it. */
  private from(): number {
    return this.cursor.returned ? this.current.subtreeEnd : this.cursor.index;
  }

  private end(): Stop {
    const last = this.steps.length - 1;
    return { index: this.cursor.returned ? this.cursor.index : last, reason: 'end', description: 'end of the run: step back or reverse-continue', ...(this.cursor.returned ? { returned: true } : {}) };
  }

  /** Forward to `target` (undefined: the end), stopping first at a breakpoint on the way. */
  private forward(target: number | undefined, stop: (i: number) => Stop): Stop {
    const last = target ?? this.steps.length;
    for (let j = this.from() + 1; j < Math.min(last, this.steps.length); j++) {
      const b = this.breakAt(j);
      if (b) return this.go(b);
    }
    if (target === undefined || target >= this.steps.length) return this.go(this.end());
    return this.go(this.breakAt(target) ?? stop(target));
  }

  private stepStop(i: number): Stop {
    return { index: i, reason: 'step', description: stepLabel(this.steps[i]!) };
  }

  /** The next decision, into the current one's steps when it has them. */
  stepIn(): Stop {
    for (let j = this.from() + 1; j < this.steps.length; j++) {
      if (this.steps[j]!.decision) return this.forward(j, (i) => this.stepStop(i));
    }
    return this.forward(undefined, (i) => this.stepStop(i));
  }

  /** The next decision at this level or above (its own steps run, breakpoints among them stop). */
  stepOver(): Stop {
    const level = this.levelHere();
    for (let j = this.from() + 1; j < this.steps.length; j++) {
      const s = this.steps[j]!;
      if (s.decision && s.level <= level) return this.forward(j, (i) => this.stepStop(i));
    }
    return this.forward(undefined, (i) => this.stepStop(i));
  }

  /** The level of the cursor: a framework span stopped at by a breakpoint is inside its enclosing decision. */
  private levelHere(): number {
    const c = this.current;
    return c.decision ? c.level : c.level - 1;
  }

  /** Back to the enclosing decision, at its end: the rest of its steps run (breakpoints among them stop). */
  stepOut(): Stop {
    const parent = this.current.decisionParent;
    if (!parent) return this.continue();
    for (let j = this.from() + 1; j <= parent.subtreeEnd; j++) {
      const b = this.breakAt(j);
      if (b) return this.go(b);
    }
    return this.go({ index: parent.index, reason: 'step', description: `back in ${stepLabel(parent)}, after its steps`, returned: true });
  }

  /**
   * Following runs live: the stop a breakpoint makes at a step that just arrived, if one does; the
   * cursor goes there, so the call stack, Variables and the next step start from it.
   */
  stopAt(index: number): Stop | undefined {
    const b = index >= 0 && index < this.steps.length ? this.breakAt(index) : undefined;
    return b ? this.go(b) : undefined;
  }

  /** On to the next breakpoint if there is one; otherwise the cursor stays (following runs live). */
  continueToBreakpoint(): Stop | undefined {
    for (let j = this.from() + 1; j < this.steps.length; j++) {
      const b = this.breakAt(j);
      if (b) return this.go(b);
    }
    return undefined;
  }

  /** On to the next breakpoint, or the end of the run. */
  continue(): Stop {
    return this.forward(undefined, (i) => this.stepStop(i));
  }

  /** The previous decision at this level or above (the reverse of step over); from a step's end, to its start. */
  stepBack(): Stop {
    if (this.cursor.returned) return this.go({ index: this.cursor.index, reason: 'step', description: stepLabel(this.current) });
    const level = this.levelHere();
    for (let j = this.cursor.index - 1; j >= 0; j--) {
      const s = this.steps[j]!;
      if (s.decision && s.level <= level) return this.go(this.stepStop(j));
    }
    return this.go({ index: 0, reason: 'entry', description: `start of the run: ${stepLabel(this.steps[0]!)}` });
  }

  /** Back to the previous breakpoint, or the start of the run. */
  reverseContinue(): Stop {
    // From a step's end, its own steps come first on the way back.
    const from = this.cursor.returned ? this.current.subtreeEnd + 1 : this.cursor.index;
    for (let j = from - 1; j >= 0; j--) {
      const b = this.breakAt(j);
      if (b) return this.go(b);
    }
    return this.go({ index: 0, reason: 'entry', description: `start of the run: ${stepLabel(this.steps[0]!)}` });
  }

  /** Straight to a step (Run to Step from the run view, DAP goto). */
  goto(spanId: string): Stop {
    const s = this.byId.get(spanId);
    if (!s) throw new Error(`no step ${spanId} in this run`);
    return this.go({ index: s.index, reason: 'goto', description: stepLabel(s) });
  }

  /** Stops at the first step, or (stopOnEntry false) at the first breakpoint. */
  start(stopOnEntry: boolean): Stop {
    this.cursor = { index: 0, reason: 'entry', description: `start of the run: ${stepLabel(this.steps[0]!)}` };
    if (stopOnEntry) return this.cursor;
    const b = this.breakAt(0);
    return b ? this.go(b) : this.continue();
  }
}
