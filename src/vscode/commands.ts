// Every command the extension contributes, with the arguments it takes, and the context keys its
// `when` clauses and walkthrough read (js-debug's contributionUtils.ts keeps its commands so). A
// command is registered and run through `Ctx` (ctx.ts) by these ids, so an id that does not exist
// or an argument that does not fit is a type error, here and in package.json's test.
//
// The arguments are what a caller is meant to pass: a menu of the Runs view passes its node, the
// run view (the webview) and tests pass ids, the command palette passes nothing. Anyone can run a
// command with anything, so each handler still checks what it got.
import type { TraceSummary } from '../protocol';
import type { DefinitionKind } from '../source/definitions';

/** A run as commands take it: its trace id, or the Runs view's node for it. */
export type RunArg = string | { kind: 'run'; run: TraceSummary };

/** A code location to open (a step's source). */
export interface SourceArg { path: string; line: number; column?: number }
/** A tool, agent or prompt to find the definition of. */
export interface DefinitionArg { kind: DefinitionKind; name: string }

/** Each command's arguments. */
export interface Commands {
  'agentLens.showRuns': [];
  'agentLens.openRun': [run?: RunArg];
  'agentLens.keepRunOpen': [];
  /** A trace id or its first digits; without one, a pick of recent runs. Whether a run was opened. */
  'agentLens.openRunById': [idOrPrefix?: string];
  'agentLens.filterRuns': [text?: string];
  'agentLens.toggleFailedRuns': [];
  'agentLens.clearRunFilter': [];
  'agentLens.openSource': [at: SourceArg];
  'agentLens.openDefinition': [of: DefinitionArg];
  'agentLens.goToRunSource': [run?: RunArg];
  'agentLens.copyTraceId': [run?: RunArg];
  /** 'confirmed' skips the question (tests, other extensions). */
  'agentLens.deleteRun': [run?: RunArg, confirmed?: 'confirmed'];
  'agentLens.clearRuns': [];
  'agentLens.copyEndpoint': [];
  'agentLens.restartReceiver': [];
  'agentLens.openInBrowser': [];
  'agentLens.runSample': [];
  /** A set-up guide's id (SETUP_GUIDES); without one, a pick of languages. */
  'agentLens.connectApp': [guideId?: string];
  /** Files to import; without them, an open dialog. */
  'agentLens.importFile': [files?: { fsPath: string }[]];
  'agentLens.debugRun': [run?: RunArg];
  'agentLens.runToStep': [traceId: string, spanId: string];
  'agentLens.openTextDiff': [title: string, left: string, right: string];
  /** Tool or model names to stop at; without them, asked. */
  'agentLens.pauseLiveAgent': [names?: string[]];
  /** The message the paused call fails with; without it, asked. */
  'agentLens.failStep': [message?: string];
  /** Opens the paused live call's input as a JSON document that Continue sends. */
  'agentLens.editPausedCall': [];
  /** Opens a recorded model call as the request its provider received, to edit and send again. */
  'agentLens.replayModelCall': [traceId?: string, spanId?: string];
  /** Sends a request opened by Replay Model Call (the active editor's, or the document at this URI). */
  'agentLens.sendReplay': [uri?: string, baseUrl?: string];
  /** The same, to an endpoint picked: the recording's, the provider's API, or one typed. */
  'agentLens.sendReplayTo': [uri?: string];
  /** Keeps a provider's API key in VS Code's secret storage (empty: forgets it): replayed calls send it. */
  'agentLens.setProviderKey': [provider?: 'openai' | 'anthropic', key?: string];
  /** Starts the app again, the model calls before the step answered from the recording (all of them with `all`); then the diff opens. Without a run: the replay debugger's step. */
  'agentLens.rerunFromHere': [traceId?: string, spanId?: string, options?: { all?: boolean; how?: { launch: string; folder?: string } | { command: string[]; cwd?: string } }];
  /** Two runs in the diff view (the original first). */
  'agentLens.compareRuns': [a: string, b: string];
}
export type CommandId = keyof Commands;

/** Every command id, each once (the compiler checks this list against `Commands`). */
export const COMMAND_IDS = Object.keys({
  'agentLens.showRuns': 1, 'agentLens.openRun': 1, 'agentLens.keepRunOpen': 1, 'agentLens.openRunById': 1, 'agentLens.filterRuns': 1,
  'agentLens.toggleFailedRuns': 1, 'agentLens.clearRunFilter': 1, 'agentLens.openSource': 1, 'agentLens.openDefinition': 1,
  'agentLens.goToRunSource': 1, 'agentLens.copyTraceId': 1, 'agentLens.deleteRun': 1, 'agentLens.clearRuns': 1, 'agentLens.copyEndpoint': 1,
  'agentLens.restartReceiver': 1, 'agentLens.openInBrowser': 1, 'agentLens.runSample': 1, 'agentLens.connectApp': 1, 'agentLens.importFile': 1,
  'agentLens.debugRun': 1, 'agentLens.runToStep': 1, 'agentLens.openTextDiff': 1, 'agentLens.pauseLiveAgent': 1, 'agentLens.failStep': 1,
  'agentLens.editPausedCall': 1, 'agentLens.replayModelCall': 1, 'agentLens.sendReplay': 1, 'agentLens.rerunFromHere': 1, 'agentLens.compareRuns': 1, 'agentLens.sendReplayTo': 1, 'agentLens.setProviderKey': 1,
} satisfies Record<CommandId, 1>) as CommandId[];

/** The context keys the extension sets (for `when` clauses and the walkthrough's completion events). */
export const CONTEXT_KEYS = ['agentLens.connected', 'agentLens.hasRuns', 'agentLens.runArrived', 'agentLens.runsFiltered', 'agentLens.activeRunPreview', 'agentLens.replayDoc'] as const;
export type ContextKey = typeof CONTEXT_KEYS[number];

/** The trace id a command was given (an id, or a Runs view node), if any. */
export function traceIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  const n = arg as { kind?: unknown; run?: { traceId?: unknown } } | undefined;
  return n?.kind === 'run' && typeof n.run?.traceId === 'string' ? n.run.traceId : undefined;
}
