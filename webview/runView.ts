// The run view: the run's header, the span tree beside its waterfall (rows virtualized: only the
// rows in sight exist in the DOM), the overview strip, find-in-run, and the step detail pane.
// Live: span batches for this run merge in place; selection and scroll position survive them.
import type { ServerMessage, SpanDetailResponse, TraceSummary, TraceTreeResponse } from '../src/protocol';
import type { Host } from './transport';
import { RunModel, treeSpanOf, type RunNode } from './runModel';
import { TimeAxis, Overview, kindOf } from './timeline';
import { detailView } from './detail';
import { h, fill, visible } from './dom';
import { KIND_LABEL, fmtClock, fmtMs, fmtTokens, fmtUsd } from './format';

const ROW_H = 24;
const BUFFER_ROWS = 8;

export interface RunViewOptions {
  spanId?: string;
  onBack(): void;
  /** The selection changed (the app keeps it in the URL). */
  onSelect(spanId: string | undefined): void;
}

export class RunView {
  readonly el: HTMLElement;
  private readonly model = new RunModel();
  private summary: TraceSummary | undefined;
  private tree: TraceTreeResponse | undefined;
  private selected: string | undefined;
  private loaded = false;
  private readonly early: ServerMessage[] = [];
  private renderQueued = false;
  private showCritical = true;
  private matches: string[] = [];
  private matchSet = new Set<string>();
  private matchIdx = -1;
  private matchVersion = 0;
  private detailSeq = 0;
  private detailTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly axis = new TimeAxis(() => this.queueRender());
  private readonly overview = new Overview();
  private readonly ro: ResizeObserver;
  /** Set when the view is showing; times for the benchmark (first rows on screen after data). */
  readonly marks: Record<string, number> = {};

  // DOM
  private readonly header = h('div', { class: 'run-header' });
  private readonly scroller: HTMLElement;
  private readonly sizer = h('div', { class: 'sizer' });
  private readonly layer = h('div', { class: 'rows-layer' });
  private readonly detail = h('div', { class: 'detail', role: 'region', 'aria-label': 'Step detail', tabindex: '-1' });
  private readonly findInput: HTMLInputElement;
  private readonly findInfo = h('span', { class: 'find-info', 'aria-live': 'polite' });
  private readonly status = h('span', { class: 'run-status', 'aria-live': 'polite' });
  private treeW = 320;

  constructor(private readonly host: Host, readonly traceId: string, private readonly opts: RunViewOptions) {
    this.selected = opts.spanId;
    this.findInput = h('input', { type: 'search', class: 'find', placeholder: 'Find in run: names, prompts, tool arguments  ( / )', 'aria-label': 'Find in run' });
    let findTimer: ReturnType<typeof setTimeout> | undefined;
    this.findInput.addEventListener('input', () => { clearTimeout(findTimer); findTimer = setTimeout(() => void this.find(this.findInput.value), 200); });
    this.findInput.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') { ev.preventDefault(); this.nextMatch(ev.shiftKey ? -1 : 1); }
      if (ev.key === 'Escape') { this.findInput.value = ''; void this.find(''); this.scroller.focus(); }
    });
    const btn = (label: string, title: string, fn: () => void) => h('button', { type: 'button', title, 'aria-label': title, onclick: fn }, label);
    const critBtn = btn('', 'Mark the critical path: the spans the run was waiting on, end to start', () => {
      this.showCritical = !this.showCritical;
      critBtn.setAttribute('aria-pressed', String(this.showCritical));
      this.queueRender();
    });
    critBtn.setAttribute('aria-pressed', 'true');
    critBtn.append(h('span', { class: 'legend-crit', 'aria-hidden': 'true' }), ' critical path');
    const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Run tools' },
      btn('← Runs', 'Back to the runs', () => opts.onBack()),
      this.findInput, this.findInfo,
      btn('expand', 'Expand all', () => { this.model.expandAll(); this.queueRender(); }),
      btn('collapse', 'Collapse to the agent steps', () => { this.model.collapseBelow(2); this.queueRender(); }),
      critBtn,
      btn('−', 'Zoom out (-)', () => this.axis.zoomBy(0.5)),
      btn('+', 'Zoom in (+)', () => this.axis.zoomBy(2)),
      btn('fit', 'Show the whole run (0)', () => this.axis.reset()),
      this.status);

    this.scroller = h('div', { class: 'rows', role: 'tree', tabindex: '0', 'aria-label': 'Spans of the run', 'aria-multiselectable': 'false' }, this.sizer);
    this.sizer.appendChild(this.layer);
    this.scroller.addEventListener('scroll', () => this.queueRender());
    this.scroller.addEventListener('keydown', (ev) => this.onKey(ev));
    this.layer.addEventListener('click', (ev) => this.onRowClick(ev));
    this.detail.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { ev.preventDefault(); this.scroller.focus(); } });

    const tl = h('div', { class: 'tl' }, h('div', { class: 'tl-head' }, h('div', { class: 'tl-head-tree' }, 'span'), this.axis.axisEl), this.scroller);
    this.axis.bind(tl, (ev) => {
      const t = ev.target as HTMLElement;
      const inTime = !!t.closest?.('.cell-time, .axis, .tl-head');
      if (ev.type === 'wheel') return inTime && ((ev as WheelEvent).ctrlKey || (ev as WheelEvent).metaKey || !!t.closest('.tl-head'));
      if (ev.type === 'mousedown') return inTime && (ev as MouseEvent).button === 0 && !t.closest('.tl-head');
      return false;
    });
    this.overview.canvas.addEventListener('mousedown', (ev) => this.onOverview(ev));

    this.el = h('div', { class: 'run-view' }, this.header, toolbar, this.overview.canvas,
      h('div', { class: 'run-split' }, tl, this.detail));
    this.ro = new ResizeObserver(() => this.queueRender());
    this.ro.observe(this.scroller);
    fill(this.detail, h('p', { class: 'muted pad' }, 'Select a step to see its conversation, tool calls, tokens and raw attributes.'));
  }

  /** Fetches the run and subscribes to its live spans. */
  async load(): Promise<void> {
    this.status.textContent = 'loading…';
    await this.host.request('subscribe', { traceIds: [this.traceId] });
    const t0 = performance.now();
    try {
      this.tree = await this.host.request('getTree', { traceId: this.traceId });
    } catch (e) {
      this.status.textContent = '';
      fill(this.header, h('p', { class: 'error-text', role: 'alert' }, `Could not load run ${this.traceId}: ${(e as Error).message}`));
      return;
    }
    this.marks.fetched = performance.now();
    this.marks.fetchMs = this.marks.fetched - t0;
    this.summary = this.tree.summary;
    this.model.add(this.tree.spans);
    // Big runs open at the agent steps; small ones open fully.
    if (this.model.nodes.size > 2000) this.model.collapseBelow(2);
    this.marks.modelMs = performance.now() - this.marks.fetched;
    this.loaded = true;
    for (const m of this.early.splice(0)) this.onFeed(m);
    this.status.textContent = '';
    if (this.selected && this.model.nodes.has(this.selected)) { this.model.reveal(this.selected); this.select(this.selected, true); }
    else this.selected = undefined;
    const r0 = performance.now();
    this.renderNow();
    this.marks.rendered = performance.now();
    this.marks.renderMs = this.marks.rendered - r0;
    requestAnimationFrame(() => { this.marks.painted = performance.now(); this.el.dataset.ready = 'true'; });
  }

  onFeed(m: ServerMessage): void {
    if (!this.loaded) { this.early.push(m); return; }
    if (m.type === 'spans' && m.traceId === this.traceId) {
      const before = this.model.version;
      if (m.spans.length) this.model.add(m.spans.map((s) => treeSpanOf(s, m.resources)));
      if (this.model.version !== before) this.queueRender();
      const sel = this.selected;
      // The selected step may have gained its span, log records or tool links: refetch, keep scroll.
      if (sel && (m.spans.some((s) => s.spanId === sel || s.genai?.kind === 'tool' || s.genai?.kind === 'llm') || m.logs.some((l) => l.spanId === sel))) {
        this.loadDetail(sel, true, 250);
      }
    } else if (m.type === 'summaries') {
      const s = m.traces.find((t) => t.traceId === this.traceId);
      if (s) { this.summary = s; this.queueRender(); }
    } else if (m.type === 'removed' && (m.traceIds === 'all' || m.traceIds.includes(this.traceId))) {
      this.status.textContent = 'this run was deleted on the server';
    }
  }

  dispose(): void {
    this.ro.disconnect();
    clearTimeout(this.detailTimer);
    void this.host.request('subscribe', { traceIds: [] }).catch(() => undefined);
  }

  focusFind(): void { this.findInput.focus(); this.findInput.select(); }
  focusTree(): void { this.scroller.focus(); }

  // ---- selection and detail ----

  select(spanId: string, quiet = false): void {
    if (!this.model.nodes.has(spanId)) return;
    this.model.reveal(spanId);
    this.selected = spanId;
    this.ensureVisible(spanId);
    this.queueRender();
    this.loadDetail(spanId, false, quiet ? 0 : 60);
    this.opts.onSelect(spanId);
  }

  private loadDetail(spanId: string, keepScroll: boolean, delay: number): void {
    clearTimeout(this.detailTimer);
    const seq = ++this.detailSeq;
    // Selecting the step already shown keeps it as it is (scroll, what was unfolded).
    if (!keepScroll && this.detail.dataset.loaded === spanId && this.detail.dataset.span === spanId) return;
    const node = this.model.nodes.get(spanId);
    if (!keepScroll) { this.detail.dataset.span = spanId; delete this.detail.dataset.loaded; this.detail.classList.add('loading'); }
    if (node && !node.span) {
      fill(this.detail, h('div', { class: 'pad' }, h('h2', null, 'Parent not arrived yet'),
        h('p', null, `Span ${spanId} is the parent of ${node.children.length} span(s) here, but it has not reached the receiver. Parents usually end, and are exported, after their children; if it never comes, the app lost the trace context (an orphaned span) or dropped it.`)));
      this.detail.classList.remove('loading');
      return;
    }
    this.detailTimer = setTimeout(async () => {
      let d: SpanDetailResponse;
      const t0 = performance.now();
      try {
        d = await this.host.request('getSpan', { traceId: this.traceId, spanId });
      } catch (e) {
        if (seq === this.detailSeq) {
          fill(this.detail, h('p', { class: 'error-text pad', role: 'alert' }, `Could not load span ${spanId}: ${(e as Error).message}`));
          this.detail.classList.remove('loading');
        }
        return;
      }
      if (seq !== this.detailSeq) return;
      const t1 = performance.now();
      const top = this.detail.scrollTop;
      fill(this.detail, detailView(d, {
        select: (id) => this.select(id),
        nameOf: (id) => { const n = this.model.nodes.get(id); return n?.span ? rowLabel(n) : undefined; },
      }));
      this.detail.dataset.loaded = spanId;
      this.detail.classList.remove('loading');
      const t2 = performance.now();
      void this.detail.offsetHeight;
      this.marks.detailFetchMs = t1 - t0;
      this.marks.detailBuildMs = t2 - t1;
      this.marks.detailLayoutMs = performance.now() - t2;
      if (keepScroll) this.detail.scrollTop = top; else this.detail.scrollTop = 0;
    }, delay);
  }

  // ---- find ----

  private async find(q: string): Promise<void> {
    const query = q.trim().toLowerCase();
    if (!query) { this.matches = []; this.matchSet.clear(); this.matchVersion++; this.matchIdx = -1; this.findInfo.textContent = ''; this.queueRender(); return; }
    const local = new Set<string>();
    for (const n of this.model.nodes.values()) {
      const s = n.span;
      if (!s) continue;
      const g = s.genai;
      const hay = `${s.name}\n${g?.toolName ?? ''}\n${g?.requestModel ?? ''}\n${g?.responseModel ?? ''}\n${g?.agentName ?? ''}\n${g?.argsPreview ?? ''}`.toLowerCase();
      if (hay.includes(query)) local.add(n.id);
    }
    let remote: string[] = [];
    try { remote = (await this.host.request('searchTrace', { traceId: this.traceId, q: query })).spanIds; } catch { /* names only */ }
    if (this.findInput.value.trim().toLowerCase() !== query) return;
    for (const id of remote) if (this.model.nodes.has(id)) local.add(id);
    const order = new Map(this.model.rowsAll().map((n, i) => [n.id, i]));
    this.matches = [...local].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    this.matchSet = new Set(this.matches);
    this.matchVersion++;
    this.matchIdx = -1;
    this.findInfo.textContent = this.matches.length ? `${this.matches.length} match${this.matches.length === 1 ? '' : 'es'}` : 'no match';
    for (const id of this.matches.slice(0, 500)) this.model.reveal(id);
    this.queueRender();
    if (this.matches.length) this.nextMatch(1);
  }

  private nextMatch(dir: 1 | -1): void {
    if (!this.matches.length) return;
    this.matchIdx = (this.matchIdx + dir + this.matches.length) % this.matches.length;
    this.findInfo.textContent = `${this.matchIdx + 1} of ${this.matches.length}`;
    this.select(this.matches[this.matchIdx]!);
  }

  // ---- keyboard and mouse ----

  private onKey(ev: KeyboardEvent): void {
    const rows = this.model.rows();
    if (!rows.length) return;
    const i = this.selected ? rows.findIndex((n) => n.id === this.selected) : -1;
    const cur = rows[i];
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_H) - 1);
    const go = (j: number) => { const n = rows[Math.max(0, Math.min(rows.length - 1, j))]; if (n) this.select(n.id); };
    switch (ev.key) {
      case 'ArrowDown': go(i + 1); break;
      case 'ArrowUp': go(i < 0 ? 0 : i - 1); break;
      case 'PageDown': go(i + page); break;
      case 'PageUp': go(i - page); break;
      case 'Home': go(0); break;
      case 'End': go(rows.length - 1); break;
      case 'ArrowRight':
        if (!cur) { go(0); break; }
        if (cur.children.length && this.model.isCollapsed(cur.id)) { this.model.toggle(cur.id, true); this.queueRender(); } else if (cur.children.length) go(i + 1);
        break;
      case 'ArrowLeft':
        if (!cur) break;
        if (cur.children.length && !this.model.isCollapsed(cur.id)) { this.model.toggle(cur.id, false); this.queueRender(); } else if (cur.parent) this.select(cur.parent.id);
        break;
      case 'Enter':
        if (cur) { this.loadDetail(cur.id, false, 0); this.detail.focus(); }
        break;
      case '+': case '=': this.axis.zoomBy(2); break;
      case '-': this.axis.zoomBy(0.5); break;
      case '0': this.axis.reset(); break;
      default: return;
    }
    ev.preventDefault();
  }

  private onRowClick(ev: MouseEvent): void {
    const row = (ev.target as HTMLElement).closest('.row') as HTMLElement | null;
    if (!row?.dataset.id) return;
    const id = row.dataset.id;
    if ((ev.target as HTMLElement).closest('.twisty')) {
      this.model.toggle(id);
      this.queueRender();
      return;
    }
    this.select(id);
  }

  private onOverview(ev: MouseEvent): void {
    const c = this.overview.canvas;
    const move = (e: MouseEvent) => {
      const r = c.getBoundingClientRect();
      const fx = Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
      const fy = Math.min(1, Math.max(0, (e.clientY - r.top) / r.height));
      if (this.axis.zoomed) this.axis.centerOn(fx * this.axis.durMs);
      this.scroller.scrollTop = fy * this.sizer.offsetHeight - this.scroller.clientHeight / 2;
    };
    move(ev);
    const up = () => { window.removeEventListener('mousemove', move); window.removeEventListener('mouseup', up); };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  }

  private ensureVisible(spanId: string): void {
    const rows = this.model.rows();
    const i = rows.findIndex((n) => n.id === spanId);
    if (i < 0) return;
    const top = i * ROW_H, st = this.scroller.scrollTop, hgt = this.scroller.clientHeight || 400;
    if (top < st) this.scroller.scrollTop = top;
    else if (top + ROW_H > st + hgt) this.scroller.scrollTop = top + ROW_H - hgt;
  }

  // ---- drawing ----

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => { this.renderQueued = false; this.renderNow(); });
  }

  private lastRows: RunNode[] | undefined;
  private headerFor: TraceSummary | undefined;
  private axisKey = '';
  private rowEls = new Map<string, HTMLElement>();

  renderNow(): void {
    if (!this.loaded) return;
    // Keep the first row in sight where it is when rows are added above it (a live run growing):
    // the rows of the previous render say which row that was.
    const prevRows = this.lastRows;
    const st = this.scroller.scrollTop;
    this.model.analyze();
    const rows = this.model.rows();
    // The new height first: a scrollTop past the old one would be clamped.
    this.sizer.style.height = `${rows.length * ROW_H}px`;
    if (st > 0 && prevRows && rows !== prevRows) {
      const first = prevRows[Math.floor(st / ROW_H)];
      const j = first ? rows.indexOf(first) : -1;
      if (j >= 0) this.scroller.scrollTop = j * ROW_H + (st % ROW_H);
    }
    this.lastRows = rows;
    if (this.summary !== this.headerFor) { this.headerFor = this.summary; this.renderHeader(); }
    const width = this.scroller.clientWidth || 800;
    this.treeW = Math.round(Math.min(520, Math.max(240, width * 0.45)));
    this.el.style.setProperty('--tree-w', `${this.treeW}px`);
    const runStart = this.model.startMs, dur = Math.max(this.model.endMs - runStart, 1e-3);
    this.axis.layout(dur, this.treeW + 8, width - 70);
    const axisKey = `${x0key(this.axis.scale.domain())}:${this.axis.x0}:${this.axis.x1}`;
    if (axisKey !== this.axisKey) { this.axisKey = axisKey; this.axis.drawAxis(); }
    const top = this.scroller.scrollTop, hgt = this.scroller.clientHeight || 600;
    const from = Math.max(0, Math.floor(top / ROW_H) - BUFFER_ROWS);
    const to = Math.min(rows.length, Math.ceil((top + hgt) / ROW_H) + BUFFER_ROWS);
    const x = this.axis.scale;
    const [d0, d1] = x.domain() as [number, number];
    // Rows already on screen are kept when nothing they show changed (scrolling moves them only).
    const keep = new Map<string, HTMLElement>();
    const stateKey = `${this.model.version}:${this.showCritical}:${this.matchVersion}:${this.treeW}:${rows.length}`;
    for (let i = from; i < to; i++) {
      const n = rows[i]!;
      const key = `${stateKey}:${n.id === this.selected}:${this.model.isCollapsed(n.id)}:${n.depth}:${i}`;
      let el = this.rowEls.get(n.id);
      if (!el || el.dataset.key !== key) {
        el = this.rowEl(n, i, rows.length, x, runStart, d0, d1);
        el.dataset.key = key;
        el.dataset.axis = axisKey;
      } else if (el.dataset.axis !== axisKey) {
        this.placeBar(el, n, x, runStart, d0, d1);
        el.dataset.axis = axisKey;
      }
      keep.set(n.id, el);
    }
    for (const [id, el] of this.rowEls) if (keep.get(id) !== el) el.remove();
    for (const el of keep.values()) if (el.parentNode !== this.layer) this.layer.appendChild(el);
    this.rowEls = keep;
    const rowCount = rows.length;
    this.scroller.setAttribute('aria-rowcount', String(rowCount));
    if (this.selected) this.scroller.setAttribute('aria-activedescendant', `row-${this.selected}`);
    else this.scroller.removeAttribute('aria-activedescendant');
    this.overview.draw(rows, runStart, dur, `${this.model.version}:${rowCount}`, [d0, d1],
      [top / Math.max(1, rowCount * ROW_H), Math.min(1, (top + hgt) / Math.max(1, rowCount * ROW_H))]);
  }

  private renderHeader(): void {
    const s = this.summary;
    if (!s) return;
    const cost = s.costUsd === null ? (s.llmCalls ? 'price unknown' : '') : `${s.unpricedCalls ? '≥ ' : ''}${fmtUsd(s.costUsd)}`;
    const stat = (label: string, value: string, cls = '') => h('span', { class: `stat ${cls}` }, h('span', { class: 'stat-label' }, label), h('span', { class: 'stat-value' }, value));
    fill(this.header,
      h('h1', null, visible(s.rootName || '(root not arrived)'), s.rootPending ? h('span', { class: 'pending-tag', title: 'The root span has not arrived yet' }, ' root pending') : null),
      h('div', { class: 'stats' },
        stat('service', s.service || '–'), stat('started', fmtClock(s.startTimeUnixNano)), stat('duration', fmtMs(s.durationMs)),
        stat('spans', String(s.spanCount)), stat('errors', String(s.errorCount), s.errorCount ? 'bad' : ''),
        stat('LLM calls', String(s.llmCalls)), stat('tokens in → out', `${fmtTokens(s.usage.input)} → ${fmtTokens(s.usage.output)}`),
        cost ? stat('cost', cost) : null,
        s.models.length ? stat('models', s.models.join(', ')) : null,
        s.conversationId ? stat('conversation', s.conversationId) : null),
      s.callsWithoutUsage ? h('p', { class: 'muted' }, `${s.callsWithoutUsage} model call(s) reported no token usage; the totals leave them out.`) : null,
      h('p', { class: 'trace-id muted' }, 'trace ', h('code', null, s.traceId)));
  }

  private rowEl(n: RunNode, i: number, count: number, x: (ms: number) => number, runStart: number, d0: number, d1: number): HTMLElement {
    const s = n.span;
    const kind = kindOf(n);
    const collapsed = this.model.isCollapsed(n.id);
    const hasKids = n.children.length > 0;
    const err = s?.status?.code === 2;
    const cls = ['row', `k-${kind}`];
    if (n.id === this.selected) cls.push('selected');
    if (err) cls.push('error');
    if (this.matchSet.has(n.id)) cls.push('match');
    if (this.showCritical && n.critical) cls.push('critical');
    const row = h('div', {
      class: cls.join(' '), role: 'treeitem', id: `row-${n.id}`, 'data-id': n.id, 'aria-level': n.depth + 1,
      'aria-selected': n.id === this.selected ? 'true' : 'false', 'aria-expanded': hasKids ? String(!collapsed) : null,
      'aria-posinset': i + 1, 'aria-setsize': count,
    });
    row.style.top = `${i * ROW_H}px`;
    const tree = h('div', { class: 'cell-tree' });
    tree.style.paddingLeft = `${4 + n.depth * 14}px`;
    tree.appendChild(h('span', { class: 'twisty', 'aria-hidden': 'true' }, hasKids ? (collapsed ? '▸' : '▾') : ''));
    tree.appendChild(h('span', { class: `badge k-${kind}` }, KIND_LABEL[kind as keyof typeof KIND_LABEL] ?? kind));
    if (err) tree.appendChild(h('span', { class: 'err-mark', title: s?.status?.message || 'error' }, '⚠'));
    tree.appendChild(h('span', { class: 'name' }, s ? rowLabel(n) : `waiting for parent ${n.id.slice(0, 8)}…`));
    const meta = rowMeta(n, collapsed);
    if (meta) tree.appendChild(h('span', { class: 'meta' }, meta));
    row.title = s ? `${visible(s.name)} · ${fmtMs(n.endMs - n.startMs)}${err && s.status?.message ? ` · ${s.status.message}` : ''}` : 'This span\'s parent has not arrived yet';
    const bar = h('div', { class: `bar k-${kind}${err ? ' error' : ''}${!s ? ' pending' : ''}` });
    const lbl = h('span', { class: 'dur' }, fmtMs(n.endMs - n.startMs));
    const time = h('div', { class: 'cell-time' }, bar, lbl);
    this.bars.set(row, { bar, lbl });
    this.placeBar(row, n, x, runStart, d0, d1);
    row.append(tree, time);
    return row;
  }

  private readonly bars = new WeakMap<HTMLElement, { bar: HTMLElement; lbl: HTMLElement }>();

  /** Positions a row's bar and duration label for the current zoom (all a zoom or pan changes). */
  private placeBar(row: HTMLElement, n: RunNode, x: (ms: number) => number, runStart: number, d0: number, d1: number): void {
    const el = this.bars.get(row)!;
    const a = n.startMs - runStart, b = n.endMs - runStart;
    const inView = b >= d0 && a <= d1;
    el.bar.hidden = el.lbl.hidden = !inView;
    if (!inView) return;
    const x0 = Math.max(-2, x(a) - this.treeW - 8), x1 = x(b) - this.treeW - 8;
    el.bar.style.left = `${x0}px`;
    el.bar.style.width = `${Math.max(1, x1 - x0)}px`;
    el.lbl.style.left = `${Math.max(0, x1) + 4}px`;
  }
}

function x0key(d: number[]): string {
  return `${d[0]}:${d[1]}`;
}

/** What a row is called: a tool's name, an agent's name, else the span name. */
function rowLabel(n: RunNode): string {
  const s = n.span!;
  return visible(s.name);
}

/** What a row shows beside its name, by kind. */
function rowMeta(n: RunNode, collapsed: boolean): string {
  const s = n.span;
  const parts: string[] = [];
  if (!s) parts.push(`parent not arrived · ${n.children.length} below`);
  const g = s?.genai;
  if (g?.kind === 'llm' || g?.kind === 'embeddings') {
    const model = g.responseModel ?? g.requestModel;
    if (model) parts.push(visible(model));
    if (g.usage) parts.push(`${fmtTokens(g.usage.input)} → ${fmtTokens(g.usage.output)} tok`);
    else if (g.kind === 'llm') parts.push('no usage');
    if (g.costUsd !== undefined && g.costUsd !== null && g.countsUsage !== false) parts.push(fmtUsd(g.costUsd));
  } else if (g?.kind === 'tool') {
    const name = g.toolName && g.toolName !== s!.name ? visible(g.toolName) : '';
    parts.push(`${name}(${visible(g.argsPreview ?? '')})`);
  } else if (g?.kind === 'agent' && g.agentName && g.agentName !== s!.name) parts.push(visible(g.agentName));
  if (collapsed && n.descendants) parts.push(`+${n.descendants}`);
  if (collapsed && n.errorsBelow) parts.push(`${n.errorsBelow} error${n.errorsBelow === 1 ? '' : 's'} below`);
  return parts.join(' · ');
}
