// Quality signals in the UI: a step's evaluation results, and thumbs up/down with a comment on a
// run or a step (kept by the receiver: POST /api/feedback), with the feedback given so far.
import type { Evaluation, Feedback } from '../src/protocol';
import type { Host } from './transport';
import { h, fill, visible } from './dom';

export function evaluationsView(evals: readonly Evaluation[]): HTMLElement {
  return h('ul', { class: 'evals' }, ...evals.map((e) => h('li', { class: e.failed ? 'eval failed' : 'eval', 'data-eval': e.name },
    h('strong', null, visible(e.name)), ' ',
    e.scoreLabel !== undefined ? h('span', { class: 'eval-label' }, visible(e.scoreLabel)) : null,
    e.scoreValue !== undefined ? h('span', { class: 'eval-score' }, ` ${e.scoreValue}`) : null,
    e.failed ? h('span', { class: 'bad' }, ' ✗ failed') : null,
    e.explanation ? h('p', { class: 'muted' }, visible(e.explanation)) : null,
    h('span', { class: 'muted' }, e.carrier === 'event' ? ' (span event)' : ' (log record)'))));
}

/** Thumbs up/down and a comment for a run (no spanId) or a step; the list of what was given. */
export function feedbackView(host: Host, traceId: string, spanId?: string): HTMLElement {
  const list = h('ul', { class: 'feedback-list' });
  const status = h('span', { class: 'muted', role: 'status' });
  const comment = h('input', { type: 'text', class: 'feedback-comment', placeholder: 'comment (optional)', 'aria-label': 'Feedback comment', maxlength: '4000' });
  const show = (all: Feedback[]) => fill(list, ...all.filter((f) => (f.spanId ?? '') === (spanId ?? '')).map((f) => h('li', null,
    f.value === 'up' || (typeof f.value === 'number' && f.value >= 0.5) ? '👍' : '👎', typeof f.value === 'number' ? ` ${f.value}` : '',
    f.comment ? ` ${visible(f.comment)}` : '', h('span', { class: 'muted' }, ` · ${f.source === 'ui' ? 'here' : 'from the app'}${f.user ? ` · ${visible(f.user)}` : ''}`))));
  const send = async (value: 'up' | 'down') => {
    status.textContent = 'saving…';
    try {
      host.keep?.();
      await host.request('sendFeedback', { traceId, ...(spanId ? { spanId } : {}), value, ...(comment.value.trim() ? { comment: comment.value.trim() } : {}) });
      comment.value = '';
      status.textContent = 'saved';
      show((await host.request('getFeedback', { traceId })).feedback);
    } catch (e) {
      status.textContent = `not saved: ${(e as Error).message}`;
    }
  };
  void host.request('getFeedback', { traceId }).then((r) => show(r.feedback), () => undefined);
  return h('div', { class: 'feedback' },
    h('button', { type: 'button', class: 'thumb up', title: spanId ? 'Good step' : 'Good run', 'aria-label': 'Thumbs up', onclick: () => void send('up') }, '👍'),
    h('button', { type: 'button', class: 'thumb down', title: spanId ? 'Bad step' : 'Bad run', 'aria-label': 'Thumbs down', onclick: () => void send('down') }, '👎'),
    comment, status, list);
}
