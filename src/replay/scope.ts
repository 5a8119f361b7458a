// What a step is to expressions and to people: its fields as conditions, Watch and the Debug
// Console read them, and its label in the Call Stack, stop reasons and pickers.
import { durationMs } from '../time';
import { kvObject } from '../protocol';
import type { Step } from './steps';

/** The fields of a step's scope that come from its content: a light step (engine.ts) has them once filled. */
export const CONTENT_FIELDS: ReadonlySet<string> = new Set(['system', 'input', 'output', 'args', 'result', 'attributes']);

/** A step's fields as expressions see them (conditions, Watch, the Debug Console). */
export function stepScope(step: Step, runStartNs: string): Record<string, unknown> {
  const s = step.span;
  const g = s.genai;
  const usage = g?.usage ? { ...g.usage, total: g.usage.input + g.usage.output } : undefined;
  return {
    name: s.name,
    kind: g?.kind ?? 'span',
    operation: g?.operation,
    error: s.status.code === 2,
    status: s.status.code === 2 ? 'error' : s.status.code === 1 ? 'ok' : 'unset',
    statusMessage: s.status.message || g?.error,
    tool: g?.toolName,
    agent: g?.agentName ?? agentOf(step),
    model: g?.responseModel ?? g?.requestModel,
    requestModel: g?.requestModel,
    provider: g?.provider,
    finishReason: g?.finishReasons?.[0],
    finishReasons: g?.finishReasons ?? [],
    usage,
    costUsd: g?.costUsd ?? undefined,
    durationMs: durationMs(s.startTimeUnixNano, s.endTimeUnixNano),
    startMs: Math.max(0, durationMs(runStartNs, s.startTimeUnixNano)),
    system: g?.systemInstructions,
    input: g?.inputMessages,
    output: g?.outputMessages,
    args: g?.toolArguments,
    result: g?.toolResult,
    conversationId: g?.conversationId,
    attributes: kvObject(s.attributes),
    spanId: s.spanId,
    parentSpanId: s.parentSpanId || undefined,
    depth: step.depth,
  };
}

function agentOf(step: Step): string | undefined {
  for (let p = step.parent; p; p = p.parent) if (p.span.genai?.kind === 'agent' && p.span.genai.agentName) return p.span.genai.agentName;
  return undefined;
}
