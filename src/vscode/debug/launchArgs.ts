// What a replay launch takes (launch.json's `agent-lens` configurations), checked before anything
// is read: types and lengths, with short messages; and the event the run view follows.
import type { DebugProtocol } from '@vscode/debugprotocol';

export interface LaunchArgs extends DebugProtocol.LaunchRequestArguments {
  /** The run to replay; or `run: "latest"`. */
  traceId?: string;
  run?: 'latest';
  /** Pause at the run's first step (default true); otherwise run to the first breakpoint. */
  stopOnEntry?: boolean;
  /** Start paused at this step (span id) instead: the run view's "Run to Step" with no replay running. */
  startAt?: string;
}

/** The custom event the run view follows: the step the debugger stopped at. */
export interface StepEventBody { traceId: string; spanId: string; reason: string; description: string }

export const TRACE_ID = /^[0-9a-f]{32}$/i;

/** A value as a launch error shows it: short, whatever it is (a 5 MB trace id is not echoed whole). */
function shown(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' && v !== null ? (Array.isArray(v) ? 'a list' : 'an object') : String(v);
  return s.length > 48 ? `${s.slice(0, 40)}… (${s.length.toLocaleString('en-US')} characters)` : s;
}

/** What is wrong with a launch configuration's arguments (their types and lengths), or undefined. */
export function launchProblem(args: Partial<Record<keyof LaunchArgs, unknown>>): string | undefined {
  const { traceId, run, stopOnEntry, startAt } = args;
  if (traceId !== undefined && (typeof traceId !== 'string' || !TRACE_ID.test(traceId.trim()))) {
    return `"traceId" must be a trace id: 32 hexadecimal digits in a string (got ${typeof traceId === 'string' ? shown(traceId) : `${typeof traceId} ${shown(traceId)}`})`;
  }
  if (run !== undefined && run !== 'latest') return `"run" can only be "latest" (got ${shown(run)})`;
  if (stopOnEntry !== undefined && typeof stopOnEntry !== 'boolean') return `"stopOnEntry" must be true or false (got ${shown(stopOnEntry)})`;
  if (startAt !== undefined && (typeof startAt !== 'string' || !/^[0-9a-f]{16}$/i.test(startAt))) return `"startAt" must be a span id: 16 hexadecimal digits in a string (got ${shown(startAt)})`;
  return undefined;
}
