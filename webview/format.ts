// How numbers, times, kinds and money read in the UI: durations, tokens and money from the shared
// src/format.ts (the Runs tree reads the same), times through src/time.ts.
import type { GenAiKind, GenAiView } from '../src/protocol';

export { fmtMs, fmtTokens, fmtUsd, fmtUsdExact, fmtClock, fmtAgo, fmtDate, runRecovered, runTitle, historyProgress, isPositive, creepLabel } from '../src/format';
export { msOfNanos, durationMs } from '../src/time';

export const KIND_LABEL: Record<GenAiKind | 'span' | 'pending', string> = {
  agent: 'agent', llm: 'LLM', tool: 'tool', embeddings: 'embed', retrieval: 'retrieve', workflow: 'flow', other: 'genai',
  span: 'span', pending: '…',
};

export const OTLP_KIND = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** What a step's "go to definition" looks for: a tool or an agent, by its name; undefined for other steps. */
export function definitionTarget(g: GenAiView | undefined): readonly ['tool' | 'agent', string] | undefined {
  return g?.kind === 'tool' && g.toolName ? ['tool', g.toolName] : g?.kind === 'agent' && g.agentName ? ['agent', g.agentName] : undefined;
}
