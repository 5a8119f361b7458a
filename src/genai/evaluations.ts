// Evaluation results as the GenAI conventions send them: the event gen_ai.evaluation.result, as a
// span event on the evaluated span or as a log record (joined by its span, or by
// gen_ai.response.id), with gen_ai.evaluation.name, .score.value, .score.label and .explanation.
import type { Evaluation, KeyValue } from '../protocol';
import { attrMap, getNum, getStr } from './attrs';

export const EVALUATION_EVENT = 'gen_ai.evaluation.result';

/** Labels that mean the check failed (case-insensitive); a score alone says nothing about passing. */
const FAILED = new Set(['fail', 'failed', 'failure', 'false', 'no', 'incorrect', 'wrong', 'bad', 'toxic', 'unsafe', 'hallucinated', 'hallucination', 'not_relevant', 'irrelevant', 'unfaithful']);

export function evaluationOf(attributes: readonly KeyValue[], carrier: Evaluation['carrier']): Evaluation | undefined {
  const a = attrMap(attributes);
  const name = getStr(a, 'gen_ai.evaluation.name');
  if (!name) return undefined;
  const e: Evaluation = { name, carrier, failed: false };
  const score = getNum(a, 'gen_ai.evaluation.score.value');
  if (score !== undefined) e.scoreValue = score;
  const label = getStr(a, 'gen_ai.evaluation.score.label');
  if (label !== undefined) e.scoreLabel = label;
  const why = getStr(a, 'gen_ai.evaluation.explanation');
  if (why !== undefined) e.explanation = why;
  const rid = getStr(a, 'gen_ai.response.id');
  if (rid !== undefined) e.responseId = rid;
  const err = getStr(a, 'error.type');
  e.failed = (label !== undefined && FAILED.has(label.toLowerCase().trim())) || err !== undefined;
  return e;
}

/** A log record's event name: the OTLP event_name field, or (older SDKs, the JS instrumentations) its event.name attribute. */
export function logEventName(l: { eventName: string; attributes: readonly KeyValue[] }): string {
  if (l.eventName) return l.eventName;
  const kv = l.attributes.find((x) => x.key === 'event.name');
  return kv && 'stringValue' in kv.value ? kv.value.stringValue : '';
}

/** A log record is an evaluation when its event name says so. */
export function isEvaluationLog(l: { eventName: string; attributes: readonly KeyValue[] }): boolean {
  return logEventName(l) === EVALUATION_EVENT;
}
