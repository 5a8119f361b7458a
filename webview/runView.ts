// The run view: the run's header, the span tree beside its waterfall (rows virtualized: only the
// rows in sight exist in the DOM), the overview strip, find-in-run, and the step detail pane.
// Live: span batches for this run merge in place; selection and scroll position survive them.
import { treeSpans, treeSpansOfRows, type GenAiView, type PausedStep, type ServerMessage, type SpanDetailResponse, type TraceSummary, type TraceTreeResponse } from '../src/protocol';
import type { Host } from './transport';
import { RunModel, localMatches } from './runModel';
import type { RunNode } from './runNode';
import { TimeAxis, Overview } from './timeline';
import { orphanBanner } from './orphanBanner';
import { feedbackView } from './quality';
import { icon } from './icons';
import { runToolbar } from './runToolbar';
import { treeKey } from './treeKeys';
import { ROW_H, RowPainter, rowLabel, type RowState, type TimeView } from './rows';
import { runHeader } from './runHeader';
import { detailView, pendingParentView } from './detail';
import { h, fill, highlightText } from './dom';
import { definitionTarget } from './format';

/** Drawing time a frame may spend on changes as they come; past it they wait for the next frame. */
const FRAME_DRAW_MS = 6;
const BUFFER_ROWS = 8;

export interface RunViewOptions {
  spanId?: string;
  onBack(): void;
  /** The selection changed (the app keeps it in the URL). */
  onSelect(spanId: string | undefined): void;
  /** Opens the conversation the run is a turn of. */
  openConversation?(id: string): void;
  /** Shows the runs orphaned from this one under their likely parents (a view). */
  stitched?: boolean;
  openRun?(traceId: string, stitched: boolean): void;
}

export class RunView {
  readonly el: HTMLElement;
  private readonly model = new RunModel();
  private summary: TraceSummary | undefined;
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
  private indexTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readonly axis = new TimeAxis(() => this.queueRender());
  private readonly overview = new Overview();
  private readonly ro: ResizeObserver;
  /** Set when the view is showing; times for the benchmark (first rows on screen after data). */
  readonly marks: Record<string, number> = {};

  // DOM
  private readonly header = h('div', { class: 'run-header' });
  /** Says which of this run's calls wait in a debugger now (hidden when none). */
  private readonly pausedBar = h('div', { class: 'paused-banner', role: 'status', hidden: '' });
  /** Rows of calls paused in a debugger now (marked when they are in the run). */
  private pausedIds = new Set<string>();
  private readonly scroller: HTMLElement;
  private readonly sizer = h('div', { class: 'sizer' });
  private readonly layer = h('div', { class: 'rows-layer' });
  private readonly detail = h('div', { class: 'detail', role: 'region', 'aria-label': 'Step detail', tabindex: '-1' });
  private readonly findInput: HTMLInputElement;
  private readonly findInfo = h('span', { class: 'find-info', 'aria-live': 'polite' });
  private readonly status = h('span', { class: 'run-status', 'aria-live': 'polite' });
  private treeW = 320;
  /** The span column's width the person chose (the splitter), else automatic. */
  private userTreeW: number | undefined;

  get stitched(): boolean { return !!this.opts.stitched; }
  private stitchedIds = new Set<string>();

  constructor(private readonly host: Host, readonly traceId: string, private readonly opts: RunViewOptions) {
    this.selected = opts.spanId;
    this.findInput = h('input', { type: 'search', class: 'find', placeholder: 'Find in run: names, prompts, tool arguments  ( / )', 'aria-label': 'Find in run' });
    let findTimer: ReturnType<typeof setTimeout> | undefined;
    this.findInput.addEventListener('input', () => { clearTimeout(findTimer); findTimer = setTimeout(() => void this.find(this.findInput.value), 200); });
    this.findInput.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') { ev.preventDefault(); this.nextMatch(ev.shiftKey ? -1 : 1); }
      if (ev.key === 'Escape') { this.findInput.value = ''; void this.find(''); this.scroller.focus(); }
    });
    const toolbar = runToolbar({
      back: () => opts.onBack(),
      expandAll: () => { this.model.expandAll(); this.queueRender(); },
      collapse: () => { this.model.collapseBelow(2); this.queueRender(); },
      toggleCritical: () => { this.showCritical = !this.showCritical; this.queueRender(); return this.showCritical; },
      zoom: (by) => this.axis.zoomBy(by),
      fit: () => this.axis.reset(),
      ...(this.host.debugRun ? { debugRun: () => this.host.debugRun!(this.traceId) } : {}),
    }, this.findInput, this.findInfo, this.status);

    this.scroller = h('div', { class: 'rows', role: 'tree', tabindex: '0', 'aria-label': 'Spans of the run', 'aria-multiselectable': 'false' }, this.sizer);
    this.sizer.appendChild(this.layer);
    this.scroller.addEventListener('scroll', () => this.queueRender());
    this.scroller.addEventListener('keydown', (ev) => this.onKey(ev));
    this.layer.addEventListener('click', (ev) => this.onRowClick(ev));
    this.detail.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { ev.preventDefault(); this.scroller.focus(); } });

    // The tree column's width and the detail pane's: splitters a person drags (or moves with the
    // arrow keys), remembered for every run (double-click: back to automatic).
    const treeSplit = splitter('Resize the span column', () => this.treeW, (w) => { this.userTreeW = w; this.queueRender(); },
      (w) => this.host.prefs.set('treeWidth', w), 160, () => Math.max(200, (this.scroller.clientWidth || 800) - 140));
    const tl = h('div', { class: 'tl' }, h('div', { class: 'tl-head' }, h('div', { class: 'tl-head-tree' }, 'span', treeSplit), this.axis.axisEl), this.scroller);
    this.axis.bind(tl, (ev) => {
      const t = ev.target as HTMLElement;
      const inTime = !!t.closest?.('.cell-time, .axis, .tl-head');
      if (ev.type === 'wheel') return inTime && ((ev as WheelEvent).ctrlKey || (ev as WheelEvent).metaKey || !!t.closest('.tl-head'));
      if (ev.type === 'mousedown') return inTime && (ev as MouseEvent).button === 0 && !t.closest('.tl-head');
      return false;
    });
    this.overview.onDrag((fx, fy) => {
      if (this.axis.zoomed) this.axis.centerOn(fx * this.axis.durMs);
      this.scroller.scrollTop = fy * this.sizer.offsetHeight - this.scroller.clientHeight / 2;
    });

    const split = h('div', { class: 'run-split' });
    const detailSplit = splitter('Resize the detail pane', () => this.detail.getBoundingClientRect().width, (w) => {
      if (w === undefined) split.style.removeProperty('--detail-w'); else split.style.setProperty('--detail-w', `${w}px`);
      this.queueRender();
    },
      (w) => this.host.prefs.set('detailWidth', w), 240, () => Math.max(280, split.getBoundingClientRect().width - 320), true);
    const savedDetail = this.host.prefs.get('detailWidth');
    if (savedDetail) split.style.setProperty('--detail-w', `${savedDetail}px`);
    this.userTreeW = this.host.prefs.get('treeWidth');
    fill(split, tl, detailSplit, this.detail);
    this.el = h('div', { class: 'run-view' }, this.header, this.pausedBar, toolbar, this.overview.canvas, split);
    this.ro = new ResizeObserver(() => this.queueRender());
    this.ro.observe(this.scroller);
    fill(this.detail, h('p', { class: 'muted pad' }, 'Select a step to see its conversation, tool calls, tokens and raw attributes.'));
  }

  /**
   * Fetches the run and subscribes to its live spans. A run's tree is drawn as it arrives: its rows
   * come in tree order, the first batch is drawn at once (the top of the run is on screen while the
   * rest is on its way), later ones are added a few times a second, and the analysis (critical
   * path, counts below) waits for the last.
   */
  async load(): Promise<void> {
    this.status.textContent = 'loading…';
    await this.host.request('subscribe', { traceIds: [this.traceId] });
    let tree: TraceTreeResponse;
    const t0 = performance.now();
    let modelMs = 0;
    try {
      if (this.opts.stitched) tree = await this.host.request('getStitchedTree', { traceId: this.traceId });
      else {
        // Each batch of lines goes into the model as it comes (its parsed rows are then garbage
        // at once, cheap to collect); the rows are drawn at most every `gap` ms, and at least 4
        // times as far apart as drawing took (drawing walks the rows in sight's list, which grows
        // with the run).
        const out: Partial<TraceTreeResponse> = {};
        let drawn = 0, gap = 150;
        const draw = () => {
          const m0 = performance.now();
          this.status.textContent = this.summary ? `loading… ${this.model.spanCount.toLocaleString('en-US')} of ${this.summary.spanCount.toLocaleString('en-US')} spans` : 'loading…';
          this.queueRender();
          drawn = performance.now();
          gap = Math.max(150, 4 * (drawn - m0));
        };
        this.streaming = true;
        await this.host.treeText(this.traceId, (text) => {
          if (!this.loaded) {
            // The first line is the summary: big runs open at the agent steps (collapsed below
            // them as they come); small ones open fully.
            const nl = text.indexOf('\n');
            if (text.startsWith('{"summary"')) Object.assign(out, JSON.parse(nl < 0 ? text : text.slice(0, nl)) as Partial<TraceTreeResponse>);
            if (out.summary) this.summary = out.summary;
            if ((out.summary?.spanCount ?? 0) > 2000) this.model.autoCollapseFrom = 2;
            this.model.deferAnalysis = true;
            this.marks.fetched = performance.now();
          }
          const m0 = performance.now();
          this.model.addTreeText(text, out);
          modelMs += performance.now() - m0;
          if (this.loaded) { if (performance.now() - drawn >= gap) draw(); return; }
          // The first rows: drawn now.
          this.loaded = true;
          draw();
          this.marks.firstRows = performance.now();
        });
        this.model.endStream();
        if (!out.summary) throw new Error('the server ended the run\'s tree early (no summary); try again');
        tree = { rows: [], byModel: [], ...out } as TraceTreeResponse;
        // (The analysis and the overview strip stay deferred until the rows are painted, below.)
      }
    } catch (e) {
      this.streaming = false;
      this.model.endStream();
      this.model.deferAnalysis = false;
      this.status.textContent = '';
      fill(this.header, h('p', { class: 'error-text', role: 'alert' }, `Could not load run ${this.traceId}: ${(e as Error).message}`));
      return;
    }
    const t1 = performance.now();
    this.marks.fetched ??= t1;
    this.summary = tree.summary;
    if ('stitched' in tree) {
      this.stitchedIds = new Set((tree as { stitched: string[] }).stitched);
      this.model.add(treeSpans(tree));
      if (this.model.nodes.size > 2000) this.model.collapseBelow(2);
      modelMs += performance.now() - t1;
    }
    this.marks.modelMs = modelMs;
    this.marks.dataMs = t1 - t0;
    this.loaded = true;
    for (const m of this.early.splice(0)) this.onFeed(m);
    this.status.textContent = '';
    if (this.selected && this.model.nodes.has(this.selected)) { this.model.reveal(this.selected); this.select(this.selected, true); }
    else this.selected = undefined;
    // The rows first: the analysis (critical path, counts below) and the overview strip each walk
    // the whole run (200–300 ms at 1M spans), so they follow once the rows are painted, as a live
    // change's do. `data-ready` says all of it is drawn.
    const r0 = performance.now();
    this.renderNow(false);
    this.marks.rendered = performance.now();
    this.marks.renderMs = this.marks.rendered - r0;
    requestAnimationFrame(() => {
      this.marks.painted = performance.now();
      setTimeout(() => {
        if (this.disposed) return;
        this.model.deferAnalysis = false;
        this.streaming = false;
        const d0 = performance.now();
        this.renderNow();
        this.marks.decorMs = performance.now() - d0;
        requestAnimationFrame(() => { this.marks.decorated = performance.now(); this.el.dataset.ready = 'true'; });
      }, 0);
    });
    // A streamed run's id index is filled a slice at a time once it is drawn (a lookup by id before
    // then fills it at once).
    const index = () => { if (!this.disposed && !this.model.indexSome(performance.now() + 8)) this.indexTimer = setTimeout(index, 0); };
    this.indexTimer = setTimeout(index, 0);
    const fb = this.summary.feedback;
    this.header.after(h('details', { class: 'run-feedback' }, h('summary', null, 'Feedback on this run', ...(fb ? [' (', icon('thumb-up', 'thumbs up'), ` ${fb.up} · `, icon('thumb-down', 'thumbs down'), ` ${fb.down})`] : [])), feedbackView(this.host, this.traceId)));
    const openRun = this.opts.openRun;
    if (openRun) void orphanBanner(this.host, this.traceId, !!this.opts.stitched, { openRun }).then((b) => { if (b) this.header.after(b); });
  }

  onFeed(m: ServerMessage): void {
    if (!this.loaded) { this.early.push(m); return; }
    if (m.type === 'rows' && m.traceId === this.traceId) {
      // The same rows as the tree endpoint's: what a reload would show. The selected step may have
      // gained its span, log records or tool links: refetch it, keeping the scroll.
      const before = this.model.version;
      const spans = treeSpansOfRows(m.rows);
      if (spans.length) this.model.add(spans);
      if (this.model.version !== before) this.queueRender();
      const sel = this.selected;
      if (sel && (spans.some((s) => s.spanId === sel || s.genai?.kind === 'tool' || s.genai?.kind === 'llm') || m.logSpanIds.includes(sel))) {
        this.loadDetail(sel, true, 250);
      }
    } else if (m.type === 'summaries') {
      const s = m.traces.find((t) => t.traceId === this.traceId);
      if (s) { this.summary = s; this.queueRender(); }
    } else if (m.type === 'paused') {
      this.showPaused(m.pauses.filter((p) => p.traceId === this.traceId));
    } else if (m.type === 'removed' && (m.traceIds === 'all' || m.traceIds.includes(this.traceId))) {
      this.status.textContent = 'this run was deleted on the server';
    }
  }

  /**
   * This run's calls that wait in a debugger (issue 25's live session): a line above the tree says
   * what each is about to do and where; the row of its span, when the run has it, is marked.
   * (A paused call's own span has not ended, so it is usually not in the run yet: the line says it.)
   */
  private showPaused(pauses: readonly PausedStep[]): void {
    this.pausedIds = new Set(pauses.flatMap((p) => (p.spanId ? [p.spanId] : [])));
    this.pausedBar.hidden = pauses.length === 0;
    fill(this.pausedBar, ...pauses.map((p) => h('p', null, icon('pause', 'paused'),
      ` Paused in the debugger ${p.failed !== undefined ? 'after' : 'before'} ${p.kind === 'tool' ? 'tool' : 'model call'} `, h('code', null, p.name),
      p.failed !== undefined ? ` failed: ${p.failed.length > 200 ? `${p.failed.slice(0, 199)}…` : p.failed}` : ' runs',
      p.agent ? ` (agent ${p.agent})` : '', ` · ${p.service} (pid ${p.pid}) · since ${new Date(p.since).toLocaleTimeString()}`,
      h('span', { class: 'muted' }, ' · Continue, edit or fail it in the debug session'))));
    for (const [id, el] of this.rowEls) el.classList.toggle('paused', this.pausedIds.has(id));
  }

  dispose(): void {
    this.disposed = true;
    this.ro.disconnect();
    clearTimeout(this.detailTimer);
    clearTimeout(this.indexTimer);
    clearTimeout(this.decorTimer);
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
      fill(this.detail, pendingParentView(spanId, node.children.length));
      this.detail.classList.remove('loading');
      return;
    }
    this.detailTimer = setTimeout(async () => {
      let d: SpanDetailResponse;
      const t0 = performance.now();
      try {
        d = await this.host.request('getSpan', { traceId: this.traceId, spanId, ...(this.opts.stitched ? { stitched: true } : {}) });
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
        host: this.host,
        select: (id) => this.select(id),
        ...(this.host.openSource ? { openSource: (loc) => this.host.openSource!(loc) } : {}),
        ...(this.host.openDefinition ? { openDefinition: (kind, name) => this.host.openDefinition!(kind, name) } : {}),
        ...(this.host.findDefinition ? { findDefinition: (kind, name) => this.host.findDefinition!(kind, name, this.sourceFiles()) } : {}),
        ...(this.host.runToStep ? { runToStep: (id: string) => this.host.runToStep!(this.traceId, id) } : {}),
        ...(this.host.replayModelCall ? { replayInEditor: (id: string) => this.host.replayModelCall!(this.traceId, id) } : {}),
        ...(this.host.rerunFromHere ? { rerunInEditor: (id: string) => this.host.rerunFromHere!(this.traceId, id) } : {}),
        ...(this.opts.openRun ? { openRun: (t: string) => this.opts.openRun!(t, false) } : {}),
        nameOf: (id) => { const n = this.model.nodes.get(id); return n?.span ? rowLabel(n) : undefined; },
      }));
      this.detail.dataset.loaded = spanId;
      this.detail.classList.remove('loading');
      // What the find box matched in this step, marked where it is.
      if (this.matchSet.has(spanId)) highlightText(this.detail, this.findInput.value);
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
    const local = localMatches(this.model, query);
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
    const handled = treeKey(ev.key, {
      rows: () => this.model.rows(), selected: this.selected, pageRows: Math.max(1, Math.floor(this.scroller.clientHeight / ROW_H) - 1),
      select: (id) => this.select(id), isCollapsed: (id) => this.model.isCollapsed(id),
      toggle: (id, open) => { this.model.toggle(id, open); this.queueRender(); },
      openDetail: (id) => { this.loadDetail(id, false, 0); this.detail.focus(); },
      openSource: (n) => this.goToSource(n.genai),
      zoom: (by) => this.axis.zoomBy(by), fit: () => this.axis.reset(),
    });
    if (handled) ev.preventDefault();
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
    const go = !!(ev.target as HTMLElement).closest('.go-source');
    this.select(id);
    if (go) this.goToSource(this.model.nodes.get(id)?.genai);
  }

  /** The files the run's steps were made in (as the telemetry names them), at most 20: where its tools are looked for first. */
  private sourceFiles(): string[] {
    const files = new Set<string>();
    for (const n of this.model.mayContain('"source":', false)) {
      const p = n.genai?.source?.[0]?.path;
      if (p) files.add(p);
      if (files.size >= 20) break;
    }
    return [...files];
  }

  /**
   * Go to source from a row (its ↗, or F12): a tool's or an agent's definition when the workspace
   * has it, else where the step was called; false when there is nowhere to go.
   */
  private goToSource(g: GenAiView | undefined): boolean {
    const called = g?.source?.[0];
    const open = this.host.openSource?.bind(this.host);
    if (!open) return false;
    const target = definitionTarget(g);
    if (!target || !this.host.findDefinition) {
      if (!called) return false;
      open(called);
      return true;
    }
    void this.host.findDefinition(target[0], target[1], this.sourceFiles()).then((def) => { const to = def ?? called; if (to) open(to); }, () => { if (called) open(called); });
    return true;
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

  /**
   * Draws a change: at once while this frame's draws so far took under FRAME_DRAW_MS (a live run's
   * new row is in the page when its message is, not a frame later), else once at the next frame
   * (a burst of messages costs a few milliseconds of drawing a frame, whatever its size).
   */
  private queueRender(): void {
    if (this.renderQueued) return;
    if (this.frameDrawMs >= FRAME_DRAW_MS) {
      this.renderQueued = true;
      return;
    }
    if (!this.frameWatched) {
      this.frameWatched = true;
      requestAnimationFrame(() => {
        this.frameWatched = false;
        this.frameDrawMs = 0;
        // Anything that waited, then the header, the analysis and the overview strip of what was drawn.
        const late = this.renderQueued || this.decorLate;
        if (this.renderQueued) { this.renderQueued = false; this.renderNow(false); }
        if (late) { this.decorLate = false; this.decorSoon(); }
      });
    }
    const t = performance.now();
    this.renderNow(false);
    this.decorLate = true;
    this.frameDrawMs += performance.now() - t;
  }
  private decorLate = false;

  /**
   * The analysis (critical path, counts below), the header and the overview strip each walk the
   * whole run: after a live change they take at most a fiftieth of the time (a run of 20,000
   * steps takes a few milliseconds a draw; one per message delayed the messages behind it).
   */
  private decorSoon(): void {
    if (this.decorTimer !== undefined) return;
    const wait = this.decorAt + 50 * this.decorMs - performance.now();
    if (wait < 1) { this.decorNow(); return; }
    this.decorTimer = setTimeout(() => { this.decorTimer = undefined; if (!this.disposed) this.decorNow(); }, wait);
  }
  private decorNow(): void {
    const t = performance.now();
    this.renderNow();
    this.decorAt = performance.now();
    this.decorMs = this.decorAt - t;
  }
  private decorTimer: ReturnType<typeof setTimeout> | undefined;
  private decorAt = 0;
  private decorMs = 0;
  /** The run's tree is still arriving; when the overview strip was last drawn. */
  private streaming = false;
  private overviewAt = 0;
  private frameDrawMs = 0;
  private frameWatched = false;

  /** The row at the top of the screen when last drawn. */
  private firstRow: RunNode | undefined;
  /** The scroll offset then: a scroll since moves the screen, not the rows under it. */
  private firstTop = 0;
  private headerFor: TraceSummary | undefined;
  private axisKey = '';
  private rowEls = new Map<string, HTMLElement>();
  /** What each row element was painted from (RunNode.data: a span that changed is a new one). */
  private readonly painted = new WeakMap<HTMLElement, unknown>();
  private readonly painter = new RowPainter();

  /** `decor`: the header and the overview strip too (drawn at once, they are left to the next frame). */
  renderNow(decor = true): void {
    if (!this.loaded) return;
    // Keep the first row in sight where it is when rows are added above it (a live run growing):
    // the previous render says which row that was (the list may be the same one, grown in place).
    const st = this.scroller.scrollTop;
    // The analysis (critical path, counts below) walks the whole run: a change drawn at once leaves
    // it to the draw a frame later, which repaints the rows whose marks it changed.
    if (decor) this.model.analyze();
    const rows = this.model.rows();
    // The new height first: a scrollTop past the old one would be clamped.
    this.sizer.style.height = `${rows.length * ROW_H}px`;
    const first = this.firstRow;
    if (st > 0 && first && st === this.firstTop && rows[Math.floor(st / ROW_H)] !== first) {
      const j = rows.indexOf(first);
      if (j >= 0) this.scroller.scrollTop = j * ROW_H + (st % ROW_H);
    }
    if (decor && this.summary !== this.headerFor) { this.headerFor = this.summary; this.renderHeader(); }
    const width = this.scroller.clientWidth || 800;
    this.treeW = this.userTreeW !== undefined ? Math.round(Math.min(Math.max(160, width - 140), Math.max(160, this.userTreeW)))
      : Math.round(Math.min(520, Math.max(240, width * 0.45)));
    this.el.style.setProperty('--tree-w', `${this.treeW}px`);
    const runStart = this.model.startMs, dur = Math.max(this.model.endMs - runStart, 1e-3);
    this.axis.layout(dur, this.treeW + 8, width - 70);
    const axisKey = `${x0key(this.axis.scale.domain())}:${this.axis.x0}:${this.axis.x1}`;
    if (axisKey !== this.axisKey) { this.axisKey = axisKey; this.axis.drawAxis(); }
    const top = this.scroller.scrollTop, hgt = this.scroller.clientHeight || 600;
    this.firstRow = rows[Math.floor(top / ROW_H)];
    this.firstTop = top;
    const from = Math.max(0, Math.floor(top / ROW_H) - BUFFER_ROWS);
    const to = Math.min(rows.length, Math.ceil((top + hgt) / ROW_H) + BUFFER_ROWS);
    const x = this.axis.scale;
    const [d0, d1] = x.domain() as [number, number];
    const rowState: RowState = {
      selected: this.selected, isCollapsed: (id) => this.model.isCollapsed(id), isMatch: (id) => this.matchSet.has(id),
      showCritical: this.showCritical, treeW: this.treeW, canOpenSource: !!this.host.openSource, isStitched: (id) => this.stitchedIds.has(id),
    };
    const tv: TimeView = { x, runStart, d0, d1 };
    // Rows already on screen are kept when nothing they show changed: scrolling, or a live run
    // gaining a row, moves them or renumbers them only (a live message repainted every row in sight).
    const keep = new Map<string, HTMLElement>();
    const count = rows.length;
    for (let i = from; i < to; i++) {
      const n = rows[i]!;
      const key = `${this.showCritical && n.critical}:${this.matchSet.has(n.id)}:${this.stitchedIds.has(n.id)}:${this.treeW}:${n.id === this.selected}:`
        + `${this.model.isCollapsed(n.id)}:${n.depth}:${n.children.length}:${n.descendants}:${n.errorsBelow}:${n.startMs}:${n.endMs}`;
      let el = this.rowEls.get(n.id);
      if (!el || el.dataset.key !== key || this.painted.get(el) !== n.data) {
        el = this.painter.row(n, i, count, rowState, tv);
        el.dataset.key = key;
        el.dataset.axis = axisKey;
        el.dataset.i = String(i);
        el.dataset.n = String(count);
        this.painted.set(el, n.data);
      } else {
        if (el.dataset.axis !== axisKey) { this.painter.placeBar(el, n, this.treeW, tv); el.dataset.axis = axisKey; }
        if (el.dataset.i !== String(i)) { el.style.top = `${i * ROW_H}px`; el.setAttribute('aria-posinset', String(i + 1)); el.dataset.i = String(i); }
        if (el.dataset.n !== String(count)) { el.setAttribute('aria-setsize', String(count)); el.dataset.n = String(count); }
      }
      if (this.pausedIds.size || el.classList.contains('paused')) el.classList.toggle('paused', this.pausedIds.has(n.id));
      keep.set(n.id, el);
    }
    for (const [id, el] of this.rowEls) if (keep.get(id) !== el) el.remove();
    // In the DOM in row order (what assistive technology and find read), moving only what is out of place.
    let prev: Element | null = null;
    for (const el of keep.values()) {
      const want: Element | null = prev ? prev.nextElementSibling : this.layer.firstElementChild;
      if (want !== el) this.layer.insertBefore(el, want);
      prev = el;
    }
    this.rowEls = keep;
    const rowCount = rows.length;
    this.scroller.setAttribute('aria-rowcount', String(rowCount));
    if (this.selected) this.scroller.setAttribute('aria-activedescendant', `row-${this.selected}`);
    else this.scroller.removeAttribute('aria-activedescendant');
    // While a big run streams in, the overview strip (a pass over every row) is drawn once a second,
    // or less often as it grows: at most a twenty-fifth of the time goes to it.
    if (decor && this.streaming && performance.now() - this.overviewAt < Math.max(1000, 25 * this.overviewMs)) decor = false;
    if (!decor) return;
    const o0 = performance.now();
    this.overview.draw(rows, runStart, dur, `${this.model.version}:${rowCount}`, [d0, d1],
      [top / Math.max(1, rowCount * ROW_H), Math.min(1, (top + hgt) / Math.max(1, rowCount * ROW_H))]);
    this.overviewAt = performance.now();
    this.overviewMs = this.overviewAt - o0;
  }
  private overviewMs = 0;

  private renderHeader(): void {
    if (this.summary) fill(this.header, ...runHeader(this.summary, this.opts.openConversation));
  }
}

function x0key(d: number[]): string {
  return `${d[0]}:${d[1]}`;
}


/**
 * A splitter: drag it (or focus it and use the arrow keys) to set a width from `min` to `max()`;
 * `set` shows it as it moves, `save` keeps it when the drag ends (undefined on a double-click:
 * automatic again). `fromRight`: the width is of the pane on its right (dragging left widens it).
 */
function splitter(label: string, current: () => number, set: (w: number | undefined) => void, save: (w: number | undefined) => void,
  min: number, max: () => number, fromRight = false): HTMLElement {
  const el = h('div', { class: `splitter${fromRight ? ' splitter-pane' : ''}`, role: 'separator', 'aria-orientation': 'vertical', 'aria-label': label, tabindex: '0',
    title: `${label}: drag, or the arrow keys; double-click for the automatic width` });
  const clamp = (w: number) => Math.round(Math.min(max(), Math.max(min, w)));
  const apply = (w: number) => { const c = clamp(w); el.setAttribute('aria-valuenow', String(c)); set(c); return c; };
  el.addEventListener('pointerdown', (ev: PointerEvent) => {
    ev.preventDefault();
    ev.stopPropagation();
    const x0 = ev.clientX, w0 = current();
    let last = w0;
    el.setPointerCapture(ev.pointerId);
    el.classList.add('dragging');
    const move = (e: PointerEvent) => { last = apply(w0 + (fromRight ? x0 - e.clientX : e.clientX - x0)); };
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      el.classList.remove('dragging');
      save(last);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
  });
  el.addEventListener('mousedown', (ev) => ev.stopPropagation()); // not a pan of the timeline
  el.addEventListener('dblclick', (ev) => { ev.stopPropagation(); el.removeAttribute('aria-valuenow'); set(undefined); save(undefined); });
  el.addEventListener('keydown', (ev: KeyboardEvent) => {
    const step = ev.shiftKey ? 64 : 16;
    const by = ev.key === 'ArrowLeft' ? -step : ev.key === 'ArrowRight' ? step : 0;
    if (!by) return;
    ev.preventDefault();
    ev.stopPropagation();
    save(apply(current() + (fromRight ? -by : by)));
  });
  return el;
}
