// Token creep, one rule for conversations and call sites. A turn is a user message and what it
// caused (one run); creep is its input growing from the first turn's over three turns or more: a
// later turn reaching `ratio` times the first (the setting agentLens.insights.creepRatio, 2 by
// default), or growth at every turn that also reaches `steadyRatio` times the first
// (agentLens.insights.creepSteadyRatio, 1.5). History always grows a little from turn to turn
// (636 → 649 → 661 → 671 tokens is a flat conversation): steady growth alone is not creep. And the
// first follow-up always carries the first turn with its tool results (often twice its size): two
// turns are one step, not a trend.
import type { Creep, CreepRule } from '../protocol';
export type { CreepRule } from '../protocol';

export const DEFAULT_CREEP: CreepRule = { ratio: 2, steadyRatio: 1.5 };
/** Turns a conversation needs before its growth is a trend. */
export const CREEP_MIN_TURNS = 3;

export function creepOf(inputs: readonly number[], rule: CreepRule = DEFAULT_CREEP): Creep | undefined {
  if (inputs.length < CREEP_MIN_TURNS || !(inputs[0]! > 0)) return undefined;
  const baseline = inputs[0]!;
  let peak = inputs[1]!, peakTurn = 2;
  for (let i = 2; i < inputs.length; i++) if (inputs[i]! > peak) { peak = inputs[i]!; peakTurn = i + 1; }
  const steady = inputs.every((v, i) => i === 0 || v > inputs[i - 1]!);
  const r = peak / baseline;
  return r >= rule.ratio || (steady && r >= rule.steadyRatio) ? { baseline, peak, peakTurn, ratio: r, turns: inputs.length, steady } : undefined;
}

/** The rule from a request's `creepRatio` and `creepSteadyRatio` (each optional), or what is wrong with them. */
export function creepRuleOf(get: (name: string) => string | null): CreepRule | { error: string } {
  const rule = { ...DEFAULT_CREEP };
  for (const [param, key] of [['creepRatio', 'ratio'], ['creepSteadyRatio', 'steadyRatio']] as const) {
    const raw = get(param);
    if (raw === null || raw === '') continue;
    const v = Number(raw);
    if (!Number.isFinite(v) || v <= 1) return { error: `${param} must be a number above 1` };
    rule[key] = v;
  }
  return rule;
}
