// Pausing the live agent (issue 25): the capture helper loaded into an app (its "gate") stops a
// model or tool call before it runs, when an editor attached to the receiver has a breakpoint on
// it; the editor looks, edits the call's input or fails it, and lets it go on.
//
// The receiver brokers. A gate holds one WebSocket to it (/live, with the receiver's token from
// the environment the editor injected) and hears which calls to stop (`breakpoints`, pushed when
// they change; null while no editor is attached, so that a gate makes no round trip then). An
// editor session says its breakpoints and answers pauses over its /ws feed (ClientMessage `live`,
// `resume`, `fail`) and hears the gates and their pauses (ServerMessage `live`). When the last
// editor goes, every pause is let go unchanged.

/**
 * The calls to stop before they run, by name, as the debugger's function breakpoints name them
 * ('*' in a name stands for any text; '*' alone is every call).
 */
export interface LiveBreakpoints {
  /** Tool names. */
  tools: string[] | '*';
  /** Models asked for (request model). */
  models: string[] | '*';
  /**
   * Break on failed step: a model call or tool that failed stops before its failure goes on to
   * the app (the call has run: look, then continue).
   */
  failed?: boolean;
}

/** A call a gate stopped, as it is about to be made. */
export interface LiveStep {
  kind: 'tool' | 'llm';
  /** The tool's name, or the model asked for. */
  name: string;
  /** What it would be made with: a tool's arguments, a model call's request in its provider's own format. */
  input: unknown;
  /** Where the gate caught it (`openai chat.completions.create`, `ai tool execute`). */
  via: string;
  /** The agent it runs in (the nearest span above it with `gen_ai.agent.name`), when there is one. */
  agent?: string;
  /**
   * The run it belongs to, and its span: a model call's own span, a tool's span where it starts
   * (`startActiveSpan`), or, for a tool stopped in a model's answer, the span of that model call.
   */
  traceId?: string;
  spanId?: string;
  /** The line of the app's code that made the call (its span's `code.*` attributes, stamped by the capture helper). */
  source?: { path: string; line: number; column?: number };
  /** The call has run and failed, with this (break on failed step): it can only go on. */
  failed?: string;
}

/** A process whose gate is connected. */
export interface LiveProcess {
  /** The receiver's name for this connection. */
  id: string;
  pid: number;
  language: 'node' | 'python';
  service: string;
}

export interface LivePause {
  /** The gate's id for it, unique within its process. */
  pauseId: string;
  process: LiveProcess;
  step: LiveStep;
  /** When the receiver heard of it (ms since the epoch). */
  since: number;
}

/** Gate → receiver. */
export type GateMessage =
  | { type: 'hello'; protocolVersion: number; pid: number; language: 'node' | 'python'; service: string }
  /** A call is waiting. */
  | { type: 'paused'; pauseId: string; step: LiveStep }
  /** The gate let a call go on its own (its pause timed out, or something failed inside the gate). */
  | { type: 'released'; pauseId: string; why: string };

/** Receiver → gate. */
export type GateCommand =
  | { type: 'breakpoints'; breakpoints: LiveBreakpoints | null }
  /** Go on; with `input`, the call is made with it instead (the edited arguments or request). */
  | { type: 'resume'; pauseId: string; input?: unknown }
  /** The call does not run: a tool raises this message. */
  | { type: 'fail'; pauseId: string; message: string };

/** A paused call as run views mark it (no content: every client of the feed hears these). */
export interface PausedStep {
  traceId?: string;
  spanId?: string;
  kind: LiveStep['kind'];
  name: string;
  agent?: string;
  via: string;
  service: string;
  pid: number;
  since: number;
  /** It has run and failed with this (break on failed step). */
  failed?: string;
}

/** The calls paused now, as run views mark them. */
export function pausedSteps(state: LiveState): PausedStep[] {
  return state.pauses.map((p) => ({
    ...(p.step.traceId ? { traceId: p.step.traceId } : {}), ...(p.step.spanId ? { spanId: p.step.spanId } : {}),
    kind: p.step.kind, name: p.step.name, ...(p.step.agent ? { agent: p.step.agent } : {}), via: p.step.via,
    service: p.process.service, pid: p.process.pid, since: p.since, ...(p.step.failed !== undefined ? { failed: p.step.failed } : {}),
  }));
}

/** What an editor sees: the gates connected and the calls waiting. */
export interface LiveState {
  processes: LiveProcess[];
  pauses: LivePause[];
}

/** Whether a gate stops this call under these breakpoints. */
export function liveBreaks(bp: LiveBreakpoints | null, kind: LiveStep['kind'], name: string): boolean {
  if (!bp) return false;
  const names = kind === 'tool' ? bp.tools : bp.models;
  return names === '*' || names.some((n) => n === name || (n.includes('*') && globMatches(n, name)));
}

/** `pattern` with '*' for any text, against the whole of `name`. */
function globMatches(pattern: string, name: string): boolean {
  const parts = pattern.split('*');
  if (!name.startsWith(parts[0]!) || !name.endsWith(parts[parts.length - 1]!)) return false;
  let at = parts[0]!.length;
  const end = name.length - parts[parts.length - 1]!.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const k = name.indexOf(parts[i]!, at);
    if (k < 0 || k + parts[i]!.length > end) return false;
    at = k + parts[i]!.length;
  }
  return at <= end;
}

/** The union of several editors' breakpoints (null when none has any). */
export function mergeBreakpoints(all: Iterable<LiveBreakpoints>): LiveBreakpoints | null {
  let tools: Set<string> | '*' = new Set(), models: Set<string> | '*' = new Set(), any = false, failed = false;
  for (const bp of all) {
    any = true;
    if (bp.failed) failed = true;
    if (bp.tools === '*' || tools === '*') tools = '*'; else for (const t of bp.tools) tools.add(t);
    if (bp.models === '*' || models === '*') models = '*'; else for (const m of bp.models) models.add(m);
  }
  if (!any) return null;
  return { tools: tools === '*' ? '*' : [...tools].sort(), models: models === '*' ? '*' : [...models].sort(), ...(failed ? { failed } : {}) };
}
