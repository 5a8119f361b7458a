// One conversation: its turns (runs that carry its id) in order, each with tokens, cost, latency
// and errors; a chart of input tokens per turn against the first turn (the baseline) and the creep
// threshold; and, when it creeps, by how much and which part of the prompt grew.
import { scaleBand, scaleLinear } from 'd3-scale';
import type { ConversationResponse } from '../src/protocol';
import type { Host } from './transport';
import { h, fill, visible } from './dom';
import { creepLabel, fmtClock, fmtMs, fmtTokens, fmtUsd, runTitle } from './format';

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export class ConversationView {
  readonly el: HTMLElement;

  constructor(private readonly host: Host, readonly id: string, private readonly o: { onBack(): void; openRun(traceId: string): void; compare?(a: string, b: string): void }) {
    this.el = h('div', { class: 'conversation-view' }, h('p', { class: 'muted pad' }, 'Loading the conversation…'));
  }

  async load(): Promise<void> {
    let c: ConversationResponse;
    try {
      c = await this.host.request('getConversation', { id: this.id });
    } catch (e) {
      fill(this.el, this.toolbar(), h('p', { class: 'error-text pad', role: 'alert' }, `Could not load conversation ${visible(this.id)}: ${(e as Error).message}`));
      return;
    }
    const s = c.summary;
    const stat = (label: string, value: string, cls = '') => h('span', { class: `stat ${cls}` }, h('span', { class: 'stat-label' }, label), h('span', { class: 'stat-value' }, value));
    const creep = s.creep;
    fill(this.el,
      this.toolbar(),
      h('h1', null, 'Conversation ', h('code', null, visible(s.id))),
      h('div', { class: 'stats' }, stat('service', s.service || '–'), stat('turns', String(s.turns)), stat('started', fmtClock(s.startTimeUnixNano)),
        stat('tokens in → out', `${fmtTokens(s.usage.input)} → ${fmtTokens(s.usage.output)}`), stat('cached', fmtTokens(s.usage.cacheRead)),
        stat('cost', s.costUsd === null ? '–' : fmtUsd(s.costUsd)), stat('errors', String(s.errorCount), s.errorCount ? 'bad' : '')),
      creep
        ? h('div', { class: 'creep-banner', role: 'status' },
          h('strong', null, `Token creep: ${creepLabel({ ratio: creep.ratio })}`),
          ` from ${fmtTokens(creep.baseline)} tokens at turn 1 to ${fmtTokens(creep.peak)} at turn ${creep.peakTurn}${creep.steady ? ', growing at every turn' : ''}. `,
          c.calls ? h('span', { class: 'calls-grew' }, `Turn ${creep.peakTurn} made ${c.calls.to} model calls, turn 1 ${c.calls.from}. `) : null,
          c.growth?.length
            ? h('span', { class: 'growth' }, 'What grew per model call: ', c.growth.map((g) => `${g.part} ${fmtTokens(g.from)} → ${fmtTokens(g.to)} characters`).join('; '), '.')
            : c.growth ? h('span', { class: 'growth' }, 'Per model call the prompt did not grow: the turn made more calls.')
              : h('span', { class: 'muted' }, 'The prompts were not captured, so what grew is not known.'))
        : null,
      this.chart(c),
      this.table(c));
    this.el.dataset.ready = '1';
  }

  private toolbar(): HTMLElement {
    return h('div', { class: 'toolbar', role: 'toolbar' }, h('button', { type: 'button', onclick: () => this.o.onBack() }, '← Runs'));
  }

  /** Input tokens per turn; the first turn's as a dashed baseline, the creep threshold above it. */
  private chart(c: ConversationResponse): HTMLElement {
    const W = 640, H = 220, M = { l: 56, r: 16, t: 12, b: 28 };
    const inputs = c.turns.map((t) => t.usage.input);
    const base = inputs[0] ?? 0;
    const ratio = c.creepRatio;
    const threshold = base * ratio;
    const x = scaleBand<number>().domain(inputs.map((_, i) => i + 1)).range([M.l, W - M.r]).padding(0.25);
    const y = scaleLinear().domain([0, Math.max(1, ...inputs, threshold) * 1.08]).nice().range([H - M.b, M.t]);
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'turn-chart', role: 'img', 'aria-label': `Input tokens per turn: ${inputs.join(', ')}` });
    for (const tick of y.ticks(4)) {
      root.append(svg('line', { x1: M.l, x2: W - M.r, y1: y(tick), y2: y(tick), class: 'grid' }), svg('text', { x: M.l - 6, y: y(tick) + 4, class: 'ct-tick', 'text-anchor': 'end' }, fmtTokens(tick)));
    }
    inputs.forEach((v, i) => {
      const over = i > 0 && base > 0 && v >= threshold;
      const bar = svg('rect', { x: x(i + 1)!, y: y(v), width: x.bandwidth(), height: Math.max(0, y(0) - y(v)), class: `bar-turn${over ? ' over' : ''}`, 'data-turn': i + 1, 'data-input': v });
      bar.append(svg('title', {}, `turn ${i + 1}: ${v} input tokens${base ? ` (×${(v / base).toFixed(2)} the first turn)` : ''}`));
      root.append(bar, svg('text', { x: x(i + 1)! + x.bandwidth() / 2, y: H - 8, class: 'ct-tick', 'text-anchor': 'middle' }, `turn ${i + 1}`));
    });
    if (base > 0) {
      root.append(svg('line', { x1: M.l, x2: W - M.r, y1: y(base), y2: y(base), class: 'baseline' }), svg('text', { x: W - M.r, y: y(base) - 4, class: 'ct-tick', 'text-anchor': 'end' }, 'turn 1'));
      root.append(svg('line', { x1: M.l, x2: W - M.r, y1: y(threshold), y2: y(threshold), class: 'threshold' }), svg('text', { x: W - M.r, y: y(threshold) - 4, class: 'ct-tick', 'text-anchor': 'end' }, `×${ratio}`));
    }
    const wrap = h('figure', { class: 'turn-chart-wrap' }, h('figcaption', { class: 'muted' }, 'Input tokens per turn'));
    wrap.append(root);
    return wrap;
  }

  private table(c: ConversationResponse): HTMLElement {
    const base = c.turns[0]?.usage.input ?? 0;
    return h('table', { class: 'runs turns', 'aria-label': 'Turns' },
      h('thead', null, h('tr', null, ...['turn', 'run', 'started', 'input', 'output', 'cached', 'vs turn 1', 'cost', 'latency', 'errors', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, ...c.turns.map((t, i) => {
        const row = h('tr', { 'data-id': t.traceId, tabindex: '0', class: t.errorCount ? 'has-error' : '' },
          h('td', { class: 'num' }, String(i + 1)),
          h('td', { class: 'run-name' }, visible(runTitle(t))),
          h('td', null, fmtClock(t.startTimeUnixNano)),
          h('td', { class: 'num', 'data-tokens': 'input' }, String(t.usage.input)),
          h('td', { class: 'num' }, String(t.usage.output)),
          h('td', { class: 'num' }, String(t.usage.cacheRead)),
          h('td', { class: 'num' }, base ? `×${(t.usage.input / base).toFixed(2)}` : '–'),
          h('td', { class: 'num' }, t.costUsd === null ? '–' : fmtUsd(t.costUsd)),
          h('td', { class: 'num' }, fmtMs(t.durationMs)),
          h('td', { class: `num${t.errorCount ? ' bad' : ''}` }, String(t.errorCount)),
          h('td', null, i > 0 && this.o.compare ? h('button', { type: 'button', class: 'link compare-prev', onclick: (ev: Event) => { ev.stopPropagation(); this.o.compare!(c.turns[i - 1]!.traceId, t.traceId); } }, `diff with turn ${i}`) : null));
        row.addEventListener('click', () => this.o.openRun(t.traceId));
        row.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') this.o.openRun(t.traceId); });
        return row;
      })));
  }

  dispose(): void { /* nothing held */ }
}
