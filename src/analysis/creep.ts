// Token creep, one rule for conversations and call sites: the input tokens of successive turns
// reach `ratio` times the first turn's (the setting agentLens.insights.creepRatio, 2 by default),
// or grow at every turn over three turns or more.
import type { Creep } from '../protocol';

export const DEFAULT_CREEP_RATIO = 2;

export function creepOf(inputs: readonly number[], ratio = DEFAULT_CREEP_RATIO): Creep | undefined {
  if (inputs.length < 2 || !(inputs[0]! > 0)) return undefined;
  const baseline = inputs[0]!;
  let peak = inputs[1]!, peakTurn = 2;
  for (let i = 2; i < inputs.length; i++) if (inputs[i]! > peak) { peak = inputs[i]!; peakTurn = i + 1; }
  const steady = inputs.length >= 3 && inputs.every((v, i) => i === 0 || v > inputs[i - 1]!);
  const r = peak / baseline;
  return r >= ratio || steady ? { baseline, peak, peakTurn, ratio: r, turns: inputs.length, steady } : undefined;
}
