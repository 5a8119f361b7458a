// What the debugger shows of a step: the Variables view's scopes (Step, Input messages, Output,
// Tool call, Tokens and cost, Timing, Attributes) with structured children for JSON, the
// read-only document of a step that has no source location, and values in short.
import type { Step } from '../../replay/engine';
import { stepLabel } from '../../replay/engine';
import { fmtMs, fmtUsd } from '../../format';
import { msOfNanos } from '../../time';

/** A value the Variables view can open: its children come from `children`. */
export interface Container { value: unknown }

const MAX_STRING = 100_000;

/** A value in one line: strings quoted, arrays and objects previewed. */
export function preview(v: unknown, room = 120): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') {
    const s = JSON.stringify(v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}…` : v);
    return s.length > room * 20 ? `${s.slice(0, room * 20)}…"` : s;
  }
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) {
    if (v.length && v.every(isMessage)) return `${v.length} message${v.length === 1 ? '' : 's'}`;
    return `Array(${v.length})`;
  }
  if (isMessage(v)) return messagePreview(v, room);
  const o = v as Record<string, unknown>;
  if (o.type === 'tool_call' && typeof o.name === 'string') return `tool_call ${o.name}(${short(JSON.stringify(o.arguments ?? {}), room)})`;
  if (o.type === 'text' && typeof o.content === 'string') return `text ${short(JSON.stringify(o.content), room)}`;
  const keys = Object.keys(o);
  return `{${short(keys.join(', '), room)}}`;
}

const short = (s: string, room: number) => (s.length > room ? `${s.slice(0, room)}…` : s);

function isMessage(v: unknown): v is { role: string; parts: unknown[] } {
  return !!v && typeof v === 'object' && typeof (v as { role?: unknown }).role === 'string' && Array.isArray((v as { parts?: unknown }).parts);
}

function messagePreview(m: { role: string; parts: unknown[] }, room: number): string {
  const bits = m.parts.map((p) => {
    const o = p as Record<string, unknown>;
    if (typeof o.content === 'string') return o.content;
    if (o.type === 'tool_call') return `→ ${String(o.name)}(${JSON.stringify(o.arguments ?? {})})`;
    if (o.type === 'tool_call_response') return `← ${JSON.stringify(o.response ?? null)}`;
    return `[${String(o.type)}]`;
  });
  return `${m.role}: ${short(bits.join(' '), room)}`;
}

/** The children of a value: object keys, array items; none for the rest. */
export function childrenOf(v: unknown): [string, unknown][] {
  if (Array.isArray(v)) return v.map((x, i) => [String(i), x]);
  if (v && typeof v === 'object') return Object.entries(v as Record<string, unknown>);
  return [];
}

export function hasChildren(v: unknown): boolean {
  return !!v && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);
}

/** The scopes of a step, in the order they show; empty ones are left out. */
export function scopesOf(step: Step, scope: Record<string, unknown>): { name: string; value: Record<string, unknown> | unknown[]; expensive?: boolean }[] {
  const g = step.span.genai;
  const out: { name: string; value: Record<string, unknown> | unknown[]; expensive?: boolean }[] = [];
  const pick = (keys: string[]) => Object.fromEntries(keys.filter((k) => scope[k] !== undefined && !(Array.isArray(scope[k]) && !(scope[k] as unknown[]).length)).map((k) => [k, scope[k]]));
  out.push({ name: 'Step', value: pick(['name', 'kind', 'operation', 'status', 'statusMessage', 'agent', 'tool', 'model', 'requestModel', 'provider', 'finishReason', 'conversationId', 'spanId', 'parentSpanId']) });
  const input = [...(g?.systemInstructions?.length ? [{ role: 'system', parts: g.systemInstructions }] : []), ...(g?.inputMessages ?? [])];
  if (input.length) out.push({ name: 'Input messages', value: input });
  if (g?.outputMessages?.length) out.push({ name: 'Output', value: g.outputMessages });
  if (g?.kind === 'tool' || g?.toolArguments !== undefined || g?.toolResult !== undefined) {
    out.push({ name: 'Tool call', value: pick(['tool', 'args', 'result']) });
    const call = out[out.length - 1]!.value as Record<string, unknown>;
    if (g?.toolCallId) call.callId = g.toolCallId;
  }
  const tokens: Record<string, unknown> = {};
  if (g?.usage) Object.assign(tokens, scope.usage as object);
  if (g?.costUsd !== undefined && g.costUsd !== null) tokens.costUsd = g.costUsd;
  if (g?.cost) tokens.cost = g.cost;
  if (Object.keys(tokens).length) out.push({ name: 'Tokens and cost', value: tokens });
  out.push({ name: 'Timing', value: {
    start: new Date(msOfNanos(step.span.startTimeUnixNano)).toISOString(),
    startMs: scope.startMs, durationMs: scope.durationMs,
    startTimeUnixNano: step.span.startTimeUnixNano, endTimeUnixNano: step.span.endTimeUnixNano,
  } });
  out.push({ name: 'Attributes', value: scope.attributes as Record<string, unknown>, expensive: false });
  return out;
}

/**
 * The read-only document of a step the code does not show (no source location): its figures as
 * `name: value` lines (hover a name for its value), then its prompt, output or tool call.
 */
export function stepDocument(step: Step, scope: Record<string, unknown>): string {
  const g = step.span.genai;
  const lines = [`# ${stepLabel(step)}  (${step.span.name})`, ''];
  const field = (k: string, v: unknown) => { if (v !== undefined && v !== null && v !== '') lines.push(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`); };
  field('kind', scope.kind);
  field('status', scope.status);
  field('statusMessage', scope.statusMessage);
  field('agent', scope.agent);
  field('tool', scope.tool);
  field('model', scope.model);
  field('finishReason', scope.finishReason);
  const u = scope.usage as Record<string, number> | undefined;
  if (u) for (const k of ['input', 'output', 'cacheRead', 'cacheCreation', 'reasoning', 'total']) if (u[k]) field(`usage.${k}`, u[k]);
  if (typeof scope.costUsd === 'number') lines.push(`costUsd: ${scope.costUsd}  (${fmtUsd(scope.costUsd)})`);
  lines.push(`durationMs: ${scope.durationMs}  (${fmtMs(scope.durationMs as number)})`);
  const text = (parts: readonly unknown[]) => parts.map((p) => {
    const o = p as Record<string, unknown>;
    if (typeof o.content === 'string') return o.content;
    if (o.type === 'tool_call') return `tool_call ${String(o.name)} ${JSON.stringify(o.arguments ?? {}, null, 2)}`;
    if (o.type === 'tool_call_response') return `tool result ${JSON.stringify(o.response ?? null, null, 2)}`;
    return JSON.stringify(o, null, 2);
  }).join('\n');
  if (g?.systemInstructions?.length) lines.push('', '## system', text(g.systemInstructions));
  (g?.inputMessages ?? []).forEach((m, i) => lines.push('', `## input[${i}] ${m.role}`, text(m.parts)));
  (g?.outputMessages ?? []).forEach((m, i) => lines.push('', `## output[${i}] ${m.role}`, text(m.parts)));
  if (g?.toolArguments !== undefined) lines.push('', '## args', JSON.stringify(g.toolArguments, null, 2));
  if (g?.toolResult !== undefined) lines.push('', '## result', typeof g.toolResult === 'string' ? g.toolResult : JSON.stringify(g.toolResult, null, 2));
  if (g?.contentCaptured === false) lines.push('', '(the app recorded no message content: turn content capture on to see prompts and outputs)');
  return lines.join('\n') + '\n';
}
