// The waterfall's time axis: one d3 linear scale from run-relative milliseconds to pixels, zoomed
// and panned with d3-zoom (ctrl/⌘-wheel or drag over the bars, any wheel over the axis), the tick
// labels, and the overview strip: every row of the run drawn once into an offscreen canvas, with
// the zoom window and the scrolled band on top.
import { scaleLinear, type ScaleLinear } from 'd3-scale';
import { select, type Selection } from 'd3-selection';
import { zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import { h, clear } from './dom';
import { fmtMs } from './format';
import type { RunNode } from './runNode';

export const KIND_COLORS: Record<string, string> = {
  agent: '#8b5cf6', llm: '#2563eb', tool: '#d97706', embeddings: '#0891b2', retrieval: '#0d9488',
  workflow: '#64748b', other: '#6b7280', span: '#94a3b8', pending: '#cbd5e1', error: '#dc2626',
};

export function kindOf(n: RunNode): string {
  return n.kind;
}

export class TimeAxis {
  /** Run-relative ms → x within the element the zoom is bound to. */
  private base: ScaleLinear<number, number> = scaleLinear();
  private transform: ZoomTransform = zoomIdentity;
  private behavior: ZoomBehavior<HTMLElement, unknown> | undefined;
  private target: Selection<HTMLElement, unknown, null, undefined> | undefined;
  x0 = 0;
  x1 = 1;
  durMs = 1;
  readonly axisEl = h('div', { class: 'axis', 'aria-hidden': 'true' });

  constructor(private readonly onChange: () => void) {}

  /** Sets the run's length and the pixel range of the time column (keeps the zoom window). */
  layout(durMs: number, x0: number, x1: number): void {
    const changed = durMs !== this.durMs || x0 !== this.x0 || x1 !== this.x1;
    this.durMs = Math.max(durMs, 1e-3);
    this.x0 = x0;
    this.x1 = Math.max(x1, x0 + 1);
    this.base = scaleLinear().domain([0, this.durMs]).range([this.x0, this.x1]);
    if (changed && this.behavior && this.target) {
      this.behavior.extent([[this.x0, 0], [this.x1, 1]]).translateExtent([[this.x0, 0], [this.x1, 1]]);
      this.behavior.scaleExtent([1, Math.max(1, this.durMs / 0.0005)]);
    }
  }

  /** The current (zoomed) scale. */
  get scale(): ScaleLinear<number, number> {
    return this.transform.rescaleX(this.base);
  }

  get zoomed(): boolean { return this.transform.k > 1.0001; }

  /** Binds wheel and drag zooming to an element; `accept` decides which events zoom. */
  bind(el: HTMLElement, accept: (ev: Event) => boolean): void {
    this.target = select(el);
    this.behavior = zoom<HTMLElement, unknown>()
      .filter((ev: Event) => accept(ev))
      .extent([[this.x0, 0], [this.x1, 1]])
      .translateExtent([[this.x0, 0], [this.x1, 1]])
      .scaleExtent([1, Math.max(1, this.durMs / 0.0005)])
      .on('zoom', (ev: { transform: ZoomTransform }) => { this.transform = ev.transform; this.onChange(); });
    this.target.call(this.behavior).on('dblclick.zoom', null);
  }

  /** Zooms by a factor around the middle of the current window. */
  zoomBy(factor: number): void {
    if (this.behavior && this.target) this.behavior.scaleBy(this.target, factor, [(this.x0 + this.x1) / 2, 0]);
  }

  reset(): void {
    if (this.behavior && this.target) this.behavior.transform(this.target, zoomIdentity);
  }

  /** Shows the window [fromMs, toMs] of the run. */
  showRange(fromMs: number, toMs: number): void {
    if (!this.behavior || !this.target) return;
    const span = Math.max(toMs - fromMs, this.durMs / 1e6);
    const k = Math.max(1, this.durMs / span);
    const t = zoomIdentity.translate(this.x0, 0).scale(k).translate(-this.base(fromMs), 0);
    this.behavior.transform(this.target, t);
  }

  /** Centres the window on a time, keeping the zoom. */
  centerOn(ms: number): void {
    const [a, b] = this.scale.domain() as [number, number];
    const half = (b - a) / 2;
    this.showRange(ms - half, ms + half);
  }

  drawAxis(): void {
    const s = this.scale;
    clear(this.axisEl);
    for (const t of s.ticks(Math.max(2, Math.floor((this.x1 - this.x0) / 110)))) {
      const lbl = h('span', { class: 'tick' }, fmtMs(t));
      lbl.style.left = `${s(t)}px`;
      this.axisEl.appendChild(lbl);
    }
  }
}

/** The overview strip: the whole run at once, the zoom window and the scrolled band marked. */
export class Overview {
  readonly canvas = h('canvas', { class: 'overview', role: 'img', 'aria-label': 'Overview of the whole run; click to move the view' });
  private cache: { key: string; img: HTMLCanvasElement } | undefined;

  /** Calls `cb` with the pointer's place (0–1 across, 0–1 down) on press and while dragging. */
  onDrag(cb: (fx: number, fy: number) => void): void {
    const c = this.canvas;
    c.addEventListener('mousedown', (ev) => {
      const move = (e: MouseEvent) => {
        const r = c.getBoundingClientRect();
        cb(Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)), Math.min(1, Math.max(0, (e.clientY - r.top) / r.height)));
      };
      move(ev);
      const up = () => { window.removeEventListener('mousemove', move); window.removeEventListener('mouseup', up); };
      window.addEventListener('mousemove', move);
      window.addEventListener('mouseup', up);
    });
  }

  draw(rows: readonly RunNode[], runStart: number, durMs: number, key: string, win: [number, number], band: [number, number]): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, c.clientWidth), hgt = Math.max(1, c.clientHeight);
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(hgt * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(hgt * dpr); }
    const fullKey = `${key}:${c.width}x${c.height}`;
    if (this.cache?.key !== fullKey) {
      const img = document.createElement('canvas');
      img.width = c.width; img.height = c.height;
      const g = img.getContext('2d')!;
      const x = (ms: number) => ((ms - runStart) / durMs) * img.width;
      const rowH = img.height / Math.max(rows.length, 1);
      // One fill style per kind, rectangles batched per style (speedscope's habit). More rows than
      // pixels down: each pixel row draws, per kind, the span from its rows' earliest start to their
      // latest end (a rectangle a row was 250,000 rectangles of less than a pixel for a big run).
      const byKind = new Map<string, number[]>();
      const band = rowH < 1;
      for (let i = 0; i < rows.length; i++) {
        const n = rows[i]!;
        const k = n.failed ? 'error' : kindOf(n);
        let list = byKind.get(k);
        if (!list) byKind.set(k, (list = []));
        const x0 = x(n.startMs), x1 = Math.max(x0 + 1, x(n.endMs));
        if (!band) { list.push(i * rowH, x0, x1); continue; }
        const y = Math.floor(i * rowH);
        const last = list.length - 3;
        if (last >= 0 && list[last] === y) { if (x0 < list[last + 1]!) list[last + 1] = x0; if (x1 > list[last + 2]!) list[last + 2] = x1; }
        else list.push(y, x0, x1);
      }
      for (const [k, rects] of byKind) {
        g.fillStyle = KIND_COLORS[k] ?? KIND_COLORS.span!;
        for (let j = 0; j < rects.length; j += 3) g.fillRect(rects[j + 1]!, rects[j]!, rects[j + 2]! - rects[j + 1]!, Math.max(1, rowH));
      }
      this.cache = { key: fullKey, img };
    }
    const g = c.getContext('2d')!;
    g.clearRect(0, 0, c.width, c.height);
    g.drawImage(this.cache.img, 0, 0);
    const wx0 = (win[0] / durMs) * c.width, wx1 = (win[1] / durMs) * c.width;
    const by0 = band[0] * c.height, by1 = band[1] * c.height;
    g.fillStyle = 'rgba(127,127,127,0.25)';
    g.fillRect(0, 0, wx0, c.height);
    g.fillRect(wx1, 0, c.width - wx1, c.height);
    g.strokeStyle = 'rgba(127,127,127,0.9)';
    g.lineWidth = dpr;
    g.strokeRect(Math.max(0, wx0) + 0.5, by0 + 0.5, Math.max(2, wx1 - wx0) - 1, Math.max(2, by1 - by0) - 1);
  }
}
