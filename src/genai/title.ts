// A run's title: the user's question that started it, as a person recognizes the run ("Plan a
// weekend in Lisbon…"): the newest user message of its first model call (the older ones are the
// conversation's history), from the span or from the user-message log records of the older event
// conventions. Cut to one line of 100 characters.
import type { LogRecordData, SpanRecord, SpanScan } from '../otlp/records';
import { anyValue, spanDetail } from '../otlp/protoSpan';
import { PbReader } from '../otlp/pbReader';
import { parseMessages } from './messages';
import { normalizeSpanContent, oneLine } from './normalize';
import { toJs } from '../protocol';

const MAX = 100;

/** The title: the text on one line, cut to MAX characters; none for blank text. */
function titleOf(text: string): string | undefined {
  return oneLine(text, MAX) || undefined;
}

/**
 * The newest user message a model call was sent: the question of this turn (earlier ones are the
 * conversation's history). In the current conventions (`gen_ai.input.messages`) only that value is
 * read: from where the ingest scan saw it in the span's bytes (`scan.ranges`), or from the decoded
 * attributes; other schemas go through the full content normalizer.
 */
export function firstUserText(rec: SpanRecord, scan: SpanScan | null = rec.scan): string | undefined {
  try {
    const input = inputMessagesValue(rec, scan);
    if (input !== undefined) {
      // Only the last user message is read: that one is made a Message, the rest stay as parsed
      // (the text is parsed without the depth cut, since none of it is kept).
      const all: unknown = typeof input === 'string' ? JSON.parse(input) : input;
      let last: unknown;
      if (Array.isArray(all)) for (let i = all.length - 1; i >= 0 && last === undefined; i--) if ((all[i] as { role?: unknown } | null)?.role === 'user') last = all[i];
      const user = last === undefined ? undefined : parseMessages([last], { notes: [] }, 'gen_ai.input.messages')?.[0];
      const text = user?.parts.map((p) => (typeof (p as { content?: unknown }).content === 'string' ? (p as { content: string }).content : '')).join(' ');
      return text ? titleOf(text) : undefined;
    }
  } catch { /* the full normalizer says it better, below */ }
  try {
    const d = spanDetail(rec);
    const g = normalizeSpanContent({ name: rec.name, status: rec.status, attributes: d.attributes, eventNames: d.events.map((e) => e.name) },
      { events: d.events, logs: [], droppedAttributesCount: d.droppedAttributesCount });
    const user = g?.inputMessages?.filter((m) => m.role === 'user').pop();
    const text = user?.parts.map((p) => (typeof (p as { content?: unknown }).content === 'string' ? (p as { content: string }).content : '')).join(' ');
    return text ? titleOf(text) : undefined;
  } catch {
    return undefined; // a title is a nicety: never a reason to refuse a span
  }
}

/** `gen_ai.input.messages` alone, as JS, without decoding the rest of the span; undefined when the span has none. */
function inputMessagesValue(rec: SpanRecord, scan: SpanScan | null): unknown {
  const d = rec.detail;
  if (Buffer.isBuffer(d)) {
    const at = scan?.ranges?.find((x) => x.key === INPUT);
    if (!at) return undefined;
    const r = new PbReader(d, 'stored Span');
    r.pos = at.start;
    return toJs(anyValue(r, at.end));
  }
  const kv = d.attributes.find((x) => x.key === INPUT);
  return kv ? toJs(kv.value) : undefined;
}

const INPUT = 'gen_ai.input.messages';

/** gen_ai.user.message log records (the older event conventions): body.content. */
export function titleOfLog(l: LogRecordData): string | undefined {
  const body = toJs(l.body) as { content?: unknown } | string | undefined;
  const text = typeof body === 'string' ? body : typeof body?.content === 'string' ? body.content : undefined;
  return text ? titleOf(text) : undefined;
}
