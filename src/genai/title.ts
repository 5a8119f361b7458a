// A run's title: the user's question that started it, as a person recognizes the run ("Plan a
// weekend in Lisbon…"): the newest user message of its first model call (the older ones are the
// conversation's history), from the span or from the user-message log records of the older event
// conventions. Cut to one line of 100 characters.
import type { LogRecordData, SpanRecord } from '../otlp/records';
import { spanDetail } from '../otlp/protoSpan';
import { normalizeSpanContent } from './normalize';
import { toJs } from './attrs';

const MAX = 100;

function oneLine(text: string): string | undefined {
  const t = text.replace(/\s+/g, ' ').trim();
  if (!t) return undefined;
  return t.length > MAX ? `${t.slice(0, MAX - 1)}…` : t;
}

/** The newest user message a model call was sent: the question of this turn (earlier ones are the conversation's history). */
export function firstUserText(rec: SpanRecord): string | undefined {
  try {
    const d = spanDetail(rec);
    const g = normalizeSpanContent({ name: rec.name, status: rec.status, attributes: d.attributes, eventNames: d.events.map((e) => e.name) },
      { events: d.events, logs: [], droppedAttributesCount: d.droppedAttributesCount });
    const user = g?.inputMessages?.filter((m) => m.role === 'user').pop();
    const text = user?.parts.map((p) => (typeof (p as { content?: unknown }).content === 'string' ? (p as { content: string }).content : '')).join(' ');
    return text ? oneLine(text) : undefined;
  } catch {
    return undefined; // a title is a nicety: never a reason to refuse a span
  }
}

/** gen_ai.user.message log records (the older event conventions): body.content. */
export function titleOfLog(l: LogRecordData): string | undefined {
  const body = toJs(l.body) as { content?: unknown } | string | undefined;
  const text = typeof body === 'string' ? body : typeof body?.content === 'string' ? body.content : undefined;
  return text ? oneLine(text) : undefined;
}
