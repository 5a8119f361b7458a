// The normalized GenAI view of a step (filled in by src/genai): its kind, usage, cost, messages,
// tool calls and source; and what is judged of steps and conversations (evaluations, token creep).
export type GenAiKind = 'agent' | 'llm' | 'tool' | 'embeddings' | 'retrieval' | 'workflow' | 'other';

export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  reasoning: number;
}

export type MessagePart =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id?: string; name: string; arguments?: unknown }
  | { type: 'tool_call_response'; id?: string; response?: unknown }
  | { type: 'reasoning'; content: string }
  | { type: string; [key: string]: unknown };

export interface Message {
  role: string;
  parts: MessagePart[];
  name?: string;
  finish_reason?: string;
}

/** How one token class of a model call was priced. */
export interface CostLine {
  tokenClass: 'input' | 'cache_read' | 'cache_write' | 'output';
  tokens: number;
  usdPerMillion: number;
  usd: number;
  /** e.g. "cache_read priced as input: the entry has no cache price", "includes 120 reasoning tokens". */
  note?: string;
}

/** A model call's cost and where it came from: never a silent 0. */
export interface Cost {
  /** null when no price is known for the model. */
  usd: number | null;
  /** "genai-prices 0.1.8 (bundled)", "user override", or "unknown". */
  source: string;
  /** The price entry that matched: provider and model ids as the price table names them. */
  provider?: string;
  model?: string;
  lines: CostLine[];
  /** Why there is no price, or what was approximate. */
  note?: string;
}

/** A tool call in a model's output and the tool span that ran it. */
export interface ToolCallLink {
  /** The LLM span whose output asked for the call. */
  llmSpanId: string;
  /** The tool span that ran it. */
  toolSpanId: string;
  toolCallId?: string;
  name: string;
  /** How they were matched: by the call id both carry, or by tool name and order when a schema has no ids. */
  by: 'call_id' | 'name_order';
}

/** Where in the code a step came from, and how that was found. */
export interface SourceLocation {
  /** As the telemetry says it (the editor maps it to a workspace file). */
  path: string;
  line: number;
  column?: number;
  function?: string;
  /** attribute: code.* on the span; stack: a frame of its code.stacktrace or exception; definition: the tool or agent found by name; prompt-text: the prompt found in the workspace. */
  how: 'attribute' | 'stack' | 'definition' | 'prompt-text';
  /** 0–1: an attribute is 1, the call's innermost user frame 0.9, where an exception was raised 0.6. */
  confidence: number;
}

export interface GenAiView {
  kind: GenAiKind;
  schema: string;
  operation?: string;
  provider?: string;
  requestModel?: string;
  responseModel?: string;
  responseId?: string;
  agentName?: string;
  agentId?: string;
  conversationId?: string;
  systemInstructions?: MessagePart[];
  inputMessages?: Message[];
  outputMessages?: Message[];
  toolName?: string;
  toolCallId?: string;
  toolArguments?: unknown;
  toolResult?: unknown;
  usage?: Usage;
  /**
   * Whether this span's usage counts in the trace totals. Only model calls (kind llm) count, and
   * an llm span with another llm span below it that reports usage does not (a framework span over
   * the provider's span): each model call is counted once. Set in trace responses and the live feed.
   */
  countsUsage?: boolean;
  costUsd?: number | null;
  cost?: Cost;
  /** A re-run's model call answered from the recording (`traceId/spanId` of the recorded call): its cost is 0. */
  replayedFrom?: string;
  finishReasons?: string[];
  error?: string;
  /** Tool calls of this LLM span's output and the spans that ran them, or the call a tool span ran (trace responses). */
  toolCalls?: ToolCallLink[];
  /** False when a model call carries no message content (capture was off); undefined when not applicable. */
  contentCaptured?: boolean;
  /** Plain words about what is missing or approximate: uncaptured content, truncation, usage not reported. */
  notes?: string[];
  /** GenAI-looking attribute keys this span carries that the normalizer did not read (trace responses only). */
  unmappedKeys?: string[];
  /** A tool span's arguments on one line, cut to 160 characters: what a tree row shows. */
  argsPreview?: string;
  /** Where in the code the step came from, best first (trace and span responses). */
  source?: SourceLocation[];
  /** Evaluation results about this step (trace and span responses). */
  evaluations?: Evaluation[];
}

/** One gen_ai.evaluation.result: a check of a step's output by an evaluator. */
export interface Evaluation {
  name: string;
  scoreValue?: number;
  scoreLabel?: string;
  explanation?: string;
  responseId?: string;
  /** The label says it failed (fail, incorrect, toxic, …) or the evaluator reported an error. */
  failed: boolean;
  /** A span event on the step, or a log record joined to it. */
  carrier: 'event' | 'log';
}

/**
 * Token creep: the input tokens of a conversation's turns (a turn: a user message and the run it
 * caused; at a line of code, its model calls' input per call in each turn) reach `creepRatio` times
 * the first turn's, or grow at every turn over three turns or more up to `creepSteadyRatio` times it.
 */
export interface Creep {
  /** Input tokens of the first turn: the baseline. */
  baseline: number;
  /** The largest later turn's input tokens, and which turn it is (1-based). */
  peak: number;
  peakTurn: number;
  /** peak / baseline. */
  ratio: number;
  turns: number;
  /** Input grew at every turn. */
  steady: boolean;
}
