// Token usage arithmetic, one place for the store's run totals, the per-model rollups, call sites
// and conversations.
import type { Usage } from './protocol';

export function zeroUsage(): Usage {
  return { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, reasoning: 0 };
}

/** Adds `v` (times `sign`: -1 takes it out again) into `into`. */
export function addUsage(into: Usage, v: Usage, sign = 1): void {
  into.input += sign * v.input;
  into.output += sign * v.output;
  into.cacheRead += sign * v.cacheRead;
  into.cacheCreation += sign * v.cacheCreation;
  into.reasoning += sign * v.reasoning;
}

/** All the input tokens, cached and cache-written ones included, as the providers and the conventions count them. */
export function inputTokens(u: Usage): number {
  return u.input + u.cacheRead + u.cacheCreation;
}
