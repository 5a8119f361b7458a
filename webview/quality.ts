// Quality signals in the UI: a step's evaluation results, and thumbs up/down with a comment on a
// run or a step (kept by the receiver: POST /api/feedback), with the feedback given so far.
import type { Evaluation, Feedback } from '../src/protocol';
import type { Host } from './transport';
import { h, fill, visible } from './dom';
import { icon } from './icons';
import { isPositive } from './format';

export function evaluationsView(evals: readonly Evaluation[]): HTMLElement {
  return h('ul', { class: 'evals' }, ...evals.map((e) => h('li', { class: e.failed ? 'eval failed' : 'eval', 'data-eval': e.name },
    h('strong', null, visible(e.name)), ' ',
    e.scoreLabel !== undefined ? h('span', { class: 'eval-label' }, visible(e.scoreLabel)) : null,
    e.scoreValue !== undefined ? h('span', { class: 'eval-score' }, ` ${e.scoreValue}`) : null,
    e.failed ? h('span', { class: 'bad' }, ' ✗ failed') : null,
    e.explanation ? h('p', { class: 'muted' }, visible(e.explanation)) : null,
    h('span', { class: 'muted' }, e.carrier === 'event' ? ' (span event)' : ' (log record)'))));
}

/**
 * Thumbs up/down and a comment for a run (no spanId) or a step; the list of what was given. A thumb
 * is sent at once; a comment typed before it goes with it, one typed after it is added to it when
 * the user presses Enter or leaves the field (the verdict is sent again, replacing the first), and a
 * second thumb changes the verdict. The status line says "saved" only for what the receiver kept.
 */
export function feedbackView(host: Host, traceId: string, spanId?: string): HTMLElement {
  const list = h('ul', { class: 'feedback-list' });
  const status = h('span', { class: 'muted', role: 'status' });
  const comment = h('input', { type: 'text', class: 'feedback-comment', placeholder: 'comment (optional)', 'aria-label': 'Feedback comment', maxlength: '4000' });
  /** The verdict given in this view, which a comment or another thumb replaces. */
  let given: Feedback | undefined;
  let sending: Promise<void> = Promise.resolve();
  const show = (all: Feedback[]) => fill(list, ...all.filter((f) => (f.spanId ?? '') === (spanId ?? '')).map((f) => h('li', null,
    icon(isPositive(f) ? 'thumb-up' : 'thumb-down', isPositive(f) ? 'thumbs up' : 'thumbs down'), typeof f.value === 'number' ? ` ${f.value}` : '',
    f.comment ? ` ${visible(f.comment)}` : '', h('span', { class: 'muted' }, ` · ${f.source === 'ui' ? 'here' : 'from the app'}${f.user ? ` · ${visible(f.user)}` : ''}`))));
  const send = (value: 'up' | 'down') => {
    const typed = comment.value.trim();
    // One at a time: a comment saved while its thumb is still on its way replaces the thumb once it is kept.
    sending = sending.then(async () => {
      status.textContent = 'saving…';
      // A changed thumb keeps the comment it had.
      const text = typed || given?.comment || '';
      try {
        host.keep?.();
        const r = await host.request('sendFeedback', { traceId, ...(spanId ? { spanId } : {}), value, ...(text ? { comment: text } : {}), ...(given ? { replaces: given.id } : {}) });
        given = r.feedback;
        if (comment.value.trim() === typed) comment.value = '';
        up.setAttribute('aria-pressed', String(value === 'up'));
        down.setAttribute('aria-pressed', String(value === 'down'));
        status.textContent = typed ? 'saved, with the comment' : 'saved; a comment typed now is added to it (Enter)';
        show((await host.request('getFeedback', { traceId })).feedback);
      } catch (e) {
        status.textContent = `not saved: ${(e as Error).message}`;
      }
    });
    return sending;
  };
  // Enter, or leaving the field: the comment is added to the verdict given here.
  comment.addEventListener('change', () => {
    if (!comment.value.trim()) return;
    if (given) void send(given.value === 'down' ? 'down' : 'up');
    else status.textContent = 'not saved yet: give a thumb up or down to send it with the comment';
  });
  comment.addEventListener('input', () => {
    if (comment.value.trim()) status.textContent = given ? 'press Enter to add the comment' : 'give a thumb up or down to send it with the comment';
  });
  void host.request('getFeedback', { traceId }).then((r) => show(r.feedback), () => undefined);
  const up = h('button', { type: 'button', class: 'thumb up', title: spanId ? 'Good step' : 'Good run', 'aria-label': 'Thumbs up', 'aria-pressed': 'false', onclick: () => void send('up') }, icon('thumb-up'));
  const down = h('button', { type: 'button', class: 'thumb down', title: spanId ? 'Bad step' : 'Bad run', 'aria-label': 'Thumbs down', 'aria-pressed': 'false', onclick: () => void send('down') }, icon('thumb-down'));
  return h('div', { class: 'feedback' }, up, down, comment, status, list);
}
