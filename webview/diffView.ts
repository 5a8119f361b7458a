// Two runs side by side (#/diff/<a>/<b>): their steps aligned, token, cost and latency deltas per
// step and in all, prompts and outputs diffed line by line, tool arguments compared. In the editor
// a prompt diff opens in VS Code's own diff view.
import type { DiffStep, RunDiff, TextDiff } from '../src/protocol';
import type { Host } from './transport';
import { h, fill, visible } from './dom';
import { fmtClock, fmtMs, fmtTokens, fmtUsd, runTitle } from './format';
import { cmpNanos } from '../src/time';

const signed = (n: number, f: (x: number) => string) => (n > 0 ? `+${f(n)}` : n < 0 ? `−${f(-n)}` : '±0');
const usd = (n: number | null) => (n === null ? 'price unknown' : signed(n, fmtUsd));
/** Only model calls cost money: a tool's or an agent's step has no cost of its own (its model calls are steps of their own). */
const priced = (s: DiffStep) => { const k = (s.a ?? s.b)!.kind; return k === 'llm' || k === 'embeddings'; };

function textDiffView(d: TextDiff): HTMLElement {
  return h('pre', { class: 'text-diff' }, ...d.flatMap((c) => c.text.replace(/\n$/, '').split('\n').map((line) =>
    h('span', { class: `td-${c.op}` }, `${c.op === 'add' ? '+ ' : c.op === 'del' ? '- ' : '  '}${visible(line)}\n`))));
}

export class DiffView {
  readonly el = h('div', { class: 'diff-view' }, h('p', { class: 'muted pad' }, 'Comparing…'));

  constructor(private readonly host: Host, readonly a: string, readonly b: string, private readonly o: { onBack(): void; openRun(id: string): void; compare(a: string, b: string): void }) {}

  async load(): Promise<void> {
    let d: RunDiff;
    try { d = await this.host.request('diffRuns', { a: this.a, b: this.b }); } catch (e) {
      fill(this.el, this.toolbar(), h('p', { class: 'error-text pad', role: 'alert' }, `Could not compare: ${(e as Error).message}`));
      return;
    }
    const run = (s: RunDiff['a'], tag: string) => h('button', { type: 'button', class: 'link', onclick: () => this.o.openRun(s.traceId) },
      `${tag} ${visible(runTitle(s))} (${s.traceId.slice(0, 8)}, ${fmtClock(s.startTimeUnixNano)})`);
    // The figures are B minus A: which is the earlier run is said, so that a change reads the right way round.
    const aFirst = cmpNanos(d.a.startTimeUnixNano, d.b.startTimeUnixNano) <= 0;
    const body = h('tbody', null);
    const details = h('div', { class: 'diff-details' });
    const more = h('p', { class: 'diff-more' });
    // Big runs come a page of steps at a time: the next page is asked for when the person wants it.
    const show = (page: RunDiff) => {
      page.steps.forEach((s, k) => {
        body.append(this.row(s, page.offset + k));
        const x = this.details(s, page.offset + k);
        if (x) details.append(x);
      });
      const next = page.next;
      fill(more, next === undefined ? null : h('span', null, `Showing steps 1–${next.toLocaleString('en-US')} of ${page.total.toLocaleString('en-US')} `,
        h('button', { type: 'button', class: 'chip', onclick: async (ev: Event) => {
          (ev.currentTarget as HTMLButtonElement).disabled = true;
          try { show(await this.host.request('diffRuns', { a: this.a, b: this.b, offset: next })); } catch (e) {
            fill(more, h('span', { class: 'error-text', role: 'alert' }, `Could not load more steps: ${(e as Error).message}`));
          }
        } }, 'Show more steps')));
    };
    fill(this.el, this.toolbar(),
      h('h1', null, 'Compare runs'),
      h('p', null, run(d.a, 'A:'), ' → ', run(d.b, 'B:'), ' ',
        h('span', { class: 'muted diff-order' }, aFirst ? '(A is the earlier run; figures are B − A)' : '(A is the later run; figures are B − A)'), ' ',
        h('button', { type: 'button', class: 'chip swap', title: 'Swap A and B', onclick: () => this.o.compare(this.b, this.a) }, '⇄ Swap')),
      h('p', { class: 'diff-totals' }, `input ${signed(d.delta.input, fmtTokens)} · output ${signed(d.delta.output, fmtTokens)} · cost ${usd(d.delta.costUsd)} · duration ${signed(d.delta.durationMs, fmtMs)} · steps ${signed(d.delta.steps, String)}`),
      h('p', { class: 'muted diff-counts' }, `${d.paired.toLocaleString('en-US')} steps in both · ${d.onlyA.toLocaleString('en-US')} only in A · ${d.onlyB.toLocaleString('en-US')} only in B`),
      ...(d.notes ?? []).map((n) => h('p', { class: 'muted diff-note', role: 'note' }, `Note: ${n}.`)),
      h('table', { class: 'runs diff-steps', 'aria-label': 'Steps compared' },
        h('thead', null, h('tr', null, ...['step', 'A', 'B', 'Δ input', 'Δ output', 'Δ cost', 'Δ time'].map((t) => h('th', { scope: 'col' }, t)))),
        body),
      more, details);
    show(d);
    this.el.dataset.ready = '1';
  }

  private toolbar(): HTMLElement {
    return h('div', { class: 'toolbar', role: 'toolbar' }, h('button', { type: 'button', onclick: () => this.o.onBack() }, '← Runs'));
  }

  private row(s: DiffStep, i: number): HTMLElement {
    const side = (x: DiffStep['a']) => (x ? `${x.usage ? `${fmtTokens(x.usage.input)} → ${fmtTokens(x.usage.output)} · ` : ''}${fmtMs(x.durationMs)}${x.error ? ' ⚠' : ''}` : '—');
    const cls = !s.a ? 'added' : !s.b ? 'removed' : s.changed ? 'changed' : 'same';
    return h('tr', { class: `diff-${cls}`, 'data-step': i },
      h('td', null, h('a', { href: `#step-${i}` }, visible(s.label)), !s.a ? ' (only in B)' : !s.b ? ' (only in A)' : s.changed ? ' (changed)' : ''),
      h('td', { class: 'num' }, side(s.a)), h('td', { class: 'num' }, side(s.b)),
      h('td', { class: 'num', 'data-delta': 'input' }, signed(s.delta.input, fmtTokens)), h('td', { class: 'num' }, signed(s.delta.output, fmtTokens)),
      priced(s) ? h('td', { class: 'num' }, usd(s.delta.costUsd)) : h('td', { class: 'num muted', title: 'A tool or an agent has no model cost of its own: its model calls are counted as their own steps' }, 'no model cost'),
      h('td', { class: 'num' }, signed(s.delta.durationMs, fmtMs)));
  }

  private details(s: DiffStep, i: number): HTMLElement | null {
    if (!s.a || !s.b || !s.changed) return null;
    const parts: (HTMLElement | null)[] = [h('h3', { id: `step-${i}` }, visible(s.label))];
    if (s.prompt?.some((c) => c.op !== 'same')) {
      parts.push(h('h4', null, 'prompt ', this.host.openTextDiff && s.a.prompt !== undefined && s.b.prompt !== undefined
        ? h('button', { type: 'button', class: 'chip open-diff', onclick: () => this.host.openTextDiff!(`${s.label}: prompt (A ↔ B)`, s.a!.prompt!, s.b!.prompt!) }, 'Open in the editor\'s diff')
        : null), textDiffView(s.prompt));
    }
    if (s.output?.some((c) => c.op !== 'same')) parts.push(h('h4', null, 'output'), textDiffView(s.output));
    if (s.coarse) parts.push(h('p', { class: 'muted' }, 'Too long or too different to compare line by line in time: both sides are shown whole.'));
    if (s.argsEqual === false) parts.push(h('h4', null, 'arguments differ'), h('pre', null, `A: ${JSON.stringify(s.a.args, null, 2)}\nB: ${JSON.stringify(s.b.args, null, 2)}`));
    if (s.a.error !== s.b.error) parts.push(h('p', { class: 'bad' }, s.b.error ? 'failed in B, not in A' : 'failed in A, not in B'));
    return h('section', { class: 'diff-step' }, ...parts);
  }

  dispose(): void { /* nothing held */ }
}
