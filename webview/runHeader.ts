// A run's header: its name and the summary figures (the server's, each model call counted once).
import type { TraceSummary } from '../src/protocol';
import { h, visible } from './dom';
import { fmtClock, fmtMs, fmtTokens, fmtUsd, runRecovered, runTitle } from './format';

export function runHeader(s: TraceSummary, openConversation?: (id: string) => void): HTMLElement[] {
  const cost = s.costUsd === null ? (s.llmCalls ? 'price unknown' : '') : `${s.unpricedCalls ? '≥ ' : ''}${fmtUsd(s.costUsd)}`;
  const stat = (label: string, value: string, cls = '') => h('span', { class: `stat ${cls}` }, h('span', { class: 'stat-label' }, label), h('span', { class: 'stat-value' }, value));
  const out: (HTMLElement | null)[] = [
    h('h1', null, visible(runTitle(s)), s.rootPending ? h('span', { class: 'pending-tag', title: 'The root span has not arrived yet' }, ' root pending') : null),
    s.title && s.rootName ? h('p', { class: 'root-name muted' }, 'root span ', h('code', null, visible(s.rootName))) : null,
    h('div', { class: 'stats' },
      stat('service', s.service || '–'), stat('started', fmtClock(s.startTimeUnixNano)), stat('duration', fmtMs(s.durationMs)),
      stat('spans', String(s.spanCount)), runRecovered(s) ? stat('errors', `${s.errorCount}, all retried`) : stat('errors', String(s.errorCount), s.errorCount ? 'bad' : ''),
      stat('LLM calls', String(s.llmCalls)), stat('tokens in → out', `${fmtTokens(s.usage.input)} → ${fmtTokens(s.usage.output)}`),
      cost ? stat('cost', cost) : null,
      s.models.length ? stat('models', s.models.join(', ')) : null,
      s.conversationId ? conversationStat(s.conversationId, openConversation) : null),
    s.callsWithoutUsage ? h('p', { class: 'muted' }, `${s.callsWithoutUsage} model call(s) reported no token usage; the totals leave them out.`) : null,
    h('p', { class: 'trace-id muted' }, 'trace ', h('code', null, s.traceId)),
  ];
  return out.filter((x): x is HTMLElement => x !== null);
}

/** The conversation the run is a turn of: a link to its view of turns and token growth. */
function conversationStat(id: string, open?: (id: string) => void): HTMLElement {
  const value = open
    ? h('button', { type: 'button', class: 'link stat-value', title: 'Open the conversation: its turns and how the input grew', onclick: () => open(id) }, visible(id))
    : h('span', { class: 'stat-value' }, visible(id));
  return h('span', { class: 'stat' }, h('span', { class: 'stat-label' }, 'conversation'), value);
}
