// The insights' types that cross a boundary (API JSON, UI methods): conversations and token
// creep, orphaned steps, evaluations and feedback, run diff.
import type { Nanos } from './otlp';
import type { Creep, GenAiKind, Usage } from './genai';
import type { TraceSummary } from './runs';


/** How creep is judged (the settings agentLens.insights.creepRatio and .creepSteadyRatio; query parameters of the same names). */
export interface CreepRule {
  /** A later turn at this many times the first is creep. */
  ratio: number;
  /** Growth at every turn over three or more is creep once it reaches this many times the first. */
  steadyRatio: number;
}

/** A part of the prompt and its size in characters per model call (those that count) at the baseline turn and at the peak turn. */
export interface PromptGrowth { part: 'system prompt' | 'history' | 'tool results' | 'user input'; from: number; to: number }

export interface ConversationTurn {
  traceId: string;
  rootName: string;
  /** The run's title (its question), as the runs list shows it. */
  title?: string;
  startTimeUnixNano: Nanos;
  durationMs: number;
  usage: Usage;
  costUsd: number | null;
  unpricedCalls: number;
  errorCount: number;
  llmCalls: number;
}

/** GET /api/conversations: one conversation, its turns being runs that carry its id. */
export interface ConversationSummary {
  id: string;
  service: string;
  turns: number;
  startTimeUnixNano: Nanos;
  endTimeUnixNano: Nanos;
  usage: Usage;
  costUsd: number | null;
  errorCount: number;
  creep?: Creep;
}

/** GET /api/conversations/{id}: its turns in order, and what grew when it creeps. */
export interface ConversationResponse {
  summary: ConversationSummary;
  /** The creep rule it was judged by. */
  creepRatio: number;
  creepSteadyRatio: number;
  turns: ConversationTurn[];
  /** Which parts of the prompt grew per model call from the first turn to the peak (when it creeps and content was captured). */
  growth?: PromptGrowth[];
  /** Model calls in the first turn and in the peak turn, when they differ (when it creeps): more calls, more input. */
  calls?: { from: number; to: number };
}

/** A step that lost its trace context (GET /api/orphans, /api/traces/{id}/orphans). */
export interface Orphan {
  /** The run and span that are orphaned. */
  traceId: string;
  spanId: string;
  name: string;
  /** piece-of-run: a tool or model call at the root of a run of its own; parent-missing: its parent never arrived. */
  reason: 'piece-of-run' | 'parent-missing';
  /** The run (and agent span) it most likely belongs to. */
  likely?: { traceId: string; spanId: string; name: string };
  why: string[];
  confidence?: 'high' | 'medium' | 'low';
  /** How to keep the context, for the app's language. */
  fix: string;
}

/** Text compared line by line: runs of lines the same, added (in b) or removed (from a). */
export type TextDiff = { op: 'same' | 'add' | 'del'; text: string }[];

/** One side of an aligned step. */
export interface DiffSide {
  spanId: string;
  name: string;
  kind: GenAiKind | 'span';
  usage?: Usage;
  costUsd?: number | null;
  durationMs: number;
  error: boolean;
  /** The prompt (model calls: system and input messages as text) and the output, for the text diff. */
  prompt?: string;
  output?: string;
  args?: unknown;
}

/** Two steps aligned (or one with nothing across): what changed between them. */
export interface DiffStep {
  label: string;
  a?: DiffSide;
  b?: DiffSide;
  changed: boolean;
  prompt?: TextDiff;
  output?: TextDiff;
  /** Tool arguments: the same or not (compared as JSON). */
  argsEqual?: boolean;
  /** The prompt or output was too long or too different to diff line by line within its budget: shown whole. */
  coarse?: boolean;
  /** b minus a. */
  delta: { input: number; output: number; costUsd: number | null; durationMs: number };
}

/** GET /api/diff?a=&b=[&offset=&limit=]: two runs side by side, a page of aligned steps at a time. */
export interface RunDiff {
  a: TraceSummary;
  b: TraceSummary;
  /** The aligned steps from `offset` on (at most `limit`, 200 unless asked). */
  steps: DiffStep[];
  offset: number;
  /** How many aligned steps there are in all; `next`: the offset of the next page, when there is one. */
  total: number;
  next?: number;
  /** Steps only in A, only in B, and in both (over all steps, not this page). */
  onlyA: number;
  onlyB: number;
  paired: number;
  /** 'coarse' when the exact alignment ran out of its budget: pairs are still equal steps in order, fewer may be paired. */
  alignment: 'exact' | 'coarse';
  /** What was left out or made coarser to answer in time. */
  notes?: string[];
  /** b minus a, over the runs. */
  delta: { input: number; output: number; costUsd: number | null; durationMs: number; steps: number };
}

/** A verdict on a run or a step (POST /api/feedback, the UI's thumbs). */
export interface Feedback {
  id: string;
  traceId: string;
  spanId?: string;
  /** "up", "down", or a score from 0 (bad) to 1 (good). */
  value: 'up' | 'down' | number;
  comment?: string;
  user?: string;
  /** Where it came from: the UI, or an app through the API. */
  source: 'ui' | 'api';
  /** The earlier verdict on the same run or step this one takes the place of (a comment added after a thumb). */
  replaces?: string;
  timeUnixMs: number;
}

