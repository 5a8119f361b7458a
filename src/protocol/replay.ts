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
