// The runs list: newest first, live (runs that start or grow update in place), filtered by
// service, agent, model and status, and searched in full text by the server (prompts, outputs,
// tool arguments). Rows are a table with arrow-key navigation; Enter opens a run.
import type { ConversationSummary, SearchHit, ServerMessage, TraceSummary } from '../src/protocol';
import type { Host } from './transport';
import { h, fill, visible } from './dom';
import { creepLabel, fmtAgo, fmtDate, fmtMs, fmtTokens, fmtUsd, runRecovered } from './format';
import { icon } from './icons';
import { cmpNanos } from '../src/time';

const MAX_ROWS = 500;

export class RunList {
  readonly el: HTMLElement;
  private readonly runs = new Map<string, TraceSummary>();
  private total = 0;
  private query = '';
  private readonly search: HTMLInputElement;
  private readonly service: HTMLSelectElement;
  private readonly agent: HTMLSelectElement;
  private readonly model: HTMLSelectElement;
  private readonly statusSel: HTMLSelectElement;
  private readonly body = h('tbody');
  private readonly info = h('p', { class: 'list-info muted', 'aria-live': 'polite' });
  private renderQueued = false;
  private refetchTimer: ReturnType<typeof setTimeout> | undefined;
  private focusedId: string | undefined;
  /** Runs ticked to compare (the first two, in the order ticked). */
  private picked: string[] = [];
  private readonly compareBtn = h('button', { type: 'button', class: 'compare-btn', disabled: true, title: 'Tick two runs to compare them step by step' }, 'Compare 2 runs');
  /** Conversations by id (turns, creep), asked again at most once a second while runs change. */
  private conversations = new Map<string, ConversationSummary>();
  private convTimer: ReturnType<typeof setTimeout> | undefined;

  /** Where the search found each run listed (with a query). */
  private hits: Record<string, SearchHit> = {};

  constructor(private readonly host: Host, private readonly open: (traceId: string, spanId?: string) => void, private readonly openConversation: (id: string) => void = () => undefined, private readonly compare: (a: string, b: string) => void = () => undefined) {
    this.search = h('input', { type: 'search', class: 'search', placeholder: 'Search runs: prompts, outputs, tool arguments, names  ( / )', 'aria-label': 'Search runs' });
    let t: ReturnType<typeof setTimeout> | undefined;
    this.search.addEventListener('input', () => { clearTimeout(t); t = setTimeout(() => { this.query = this.search.value.trim(); void this.refetch(); }, 250); });
    const sel = (label: string) => {
      const s = h('select', { 'aria-label': label, onchange: () => this.queueRender() });
      return s;
    };
    this.service = sel('Service');
    this.agent = sel('Agent');
    this.model = sel('Model');
    this.statusSel = sel('Status');
    fill(this.statusSel, h('option', { value: '' }, 'any status'), h('option', { value: 'error' }, 'failed'), h('option', { value: 'retried' }, 'errors, all retried'), h('option', { value: 'ok' }, 'without errors'),
      h('option', { value: 'bad' }, 'bad feedback or failed evaluations'));
    const table = h('table', { class: 'runs', role: 'grid', 'aria-label': 'Runs' },
      h('thead', null, h('tr', null, ...['run', 'service', 'started', 'duration', 'steps', 'errors', 'tokens in → out', 'cost'].map((c) => h('th', { scope: 'col' }, c)))),
      this.body);
    table.addEventListener('click', (ev) => {
      const pick = (ev.target as HTMLElement).closest('input.pick') as HTMLInputElement | null;
      if (pick) { ev.stopPropagation(); this.togglePick(pick.dataset.id!, pick.checked); return; }
      const conv = (ev.target as HTMLElement).closest('.conv-chip') as HTMLElement | null;
      if (conv?.dataset.conv) { ev.stopPropagation(); this.openConversation(conv.dataset.conv); return; }
      const orphan = (ev.target as HTMLElement).closest('.orphan-chip') as HTMLElement | null;
      if (orphan?.dataset.run) { ev.stopPropagation(); this.open(orphan.dataset.run); return; }
      const tr = (ev.target as HTMLElement).closest('tr[data-id]') as HTMLElement | null;
      if (tr?.dataset.id) this.open(tr.dataset.id, this.hitSpan(tr.dataset.id));
    });
    table.addEventListener('keydown', (ev) => this.onKey(ev));
    this.el = h('div', { class: 'run-list' },
      h('div', { class: 'filters', role: 'search' }, this.search, this.service, this.agent, this.model, this.statusSel, this.compareBtn),
      this.info, h('div', { class: 'runs-scroll' }, table));
  }

  focusSearch(): void { this.search.focus(); this.search.select(); }

  async refetch(): Promise<void> {
    const q = this.query;
    try {
      const res = await this.host.request('listTraces', { q: q || undefined, limit: MAX_ROWS });
      if (q !== this.query) return;
      this.runs.clear();
      for (const s of res.traces) this.runs.set(s.traceId, s);
      this.hits = res.hits ?? {};
      this.total = res.total;
      this.renderNow();
      void this.refetchConversations();
    } catch (e) {
      fill(this.info, h('span', { class: 'error-text', role: 'alert' }, `Could not list runs: ${(e as Error).message}`));
    }
  }

  onFeed(m: ServerMessage): void {
    if (m.type === 'summaries') {
      let unseen = false;
      for (const s of m.traces) {
        if (this.runs.has(s.traceId) || !this.query) {
          if (!this.runs.has(s.traceId)) this.total++;
          this.runs.set(s.traceId, s);
        } else unseen = true;
      }
      // A new run may match the search in its content, which only the server can tell.
      // At most one such query a second while runs keep arriving (a pending one is not pushed back).
      if (unseen && this.refetchTimer === undefined) this.refetchTimer = setTimeout(() => { this.refetchTimer = undefined; void this.refetch(); }, 1000);
      if (m.traces.some((t) => t.conversationId) && this.convTimer === undefined) this.convTimer = setTimeout(() => { this.convTimer = undefined; void this.refetchConversations(); }, 1000);
      this.queueRender();
    } else if (m.type === 'removed') {
      if (m.traceIds === 'all') { this.runs.clear(); this.total = 0; } else for (const id of m.traceIds) if (this.runs.delete(id)) this.total--;
      this.queueRender();
    }
  }

  private togglePick(id: string, on: boolean): void {
    this.picked = on ? [...this.picked.filter((x) => x !== id), id].slice(-2) : this.picked.filter((x) => x !== id);
    this.compareBtn.disabled = this.picked.length !== 2;
    // The earlier run is A, whichever was ticked first: B − A then reads as what changed since.
    this.compareBtn.onclick = () => {
      if (this.picked.length !== 2) return;
      const [x, y] = this.picked.map((id) => this.runs.get(id)) as [TraceSummary | undefined, TraceSummary | undefined];
      const swap = !!x && !!y && cmpNanos(x.startTimeUnixNano, y.startTimeUnixNano) > 0;
      this.compare(swap ? this.picked[1]! : this.picked[0]!, swap ? this.picked[0]! : this.picked[1]!);
    };
    this.queueRender();
  }

  private async refetchConversations(): Promise<void> {
    try {
      const res = await this.host.request('listConversations', {});
      this.conversations = new Map(res.conversations.map((c) => [c.id, c]));
      this.queueRender();
    } catch { /* the list works without them */ }
  }

  /** A run's conversation: which turn it is, and a flag when the conversation's input creeps. */
  private convChip(s: TraceSummary): HTMLElement | null {
    if (!s.conversationId) return null;
    const c = this.conversations.get(s.conversationId);
    const label = c ? `${visible(s.conversationId)} · ${c.turns} turn${c.turns === 1 ? '' : 's'}` : visible(s.conversationId);
    return h('button', { type: 'button', class: `conv-chip${c?.creep ? ' creep' : ''}`, 'data-conv': s.conversationId, tabindex: '-1',
      title: c?.creep ? `Token creep: ${creepLabel(c.creep)}. Open the conversation.` : 'Open the conversation' },
    label, c?.creep ? h('span', { class: 'creep-flag' }, ` ⚠ ×${c.creep.ratio.toFixed(1)}`) : null);
  }

  /** An orphaned step (it lost its trace context): the run it most likely ran in, a click away; a run with pieces says how many. */
  private orphanChip(s: TraceSummary): HTMLElement | null {
    if (s.orphanOf) {
      const parent = this.runs.get(s.orphanOf.traceId);
      return h('button', { type: 'button', class: 'orphan-chip', 'data-run': s.orphanOf.traceId, tabindex: '-1',
        title: `This step lost its trace context: it most likely ran in ${visible(s.orphanOf.name)} of run ${s.orphanOf.traceId}. Open that run (it shows why, and how to keep the context).` },
      `⇢ orphaned, likely from ${visible(parent?.title ?? s.orphanOf.name)}`);
    }
    return s.orphans ? h('span', { class: 'orphan-count', title: 'Steps that lost their trace context and most likely ran in this run: the run shows them stitched in.' },
      ` ${s.orphans} orphaned step${s.orphans === 1 ? '' : 's'}`) : null;
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => { this.renderQueued = false; this.renderNow(); });
  }

  private options(select: HTMLSelectElement, all: string, values: Iterable<string>): void {
    const cur = select.value;
    const list = [...new Set(values)].filter(Boolean).sort();
    // Refilled only when the choices change: a live update must not close an open drop-down.
    const key = list.join('\u0000');
    if (select.dataset.choices === key) return;
    select.dataset.choices = key;
    fill(select, h('option', { value: '' }, all), ...list.map((v) => h('option', { value: v }, visible(v))));
    select.value = list.includes(cur) ? cur : '';
  }

  renderNow(): void {
    const all = [...this.runs.values()];
    this.options(this.service, 'all services', all.map((s) => s.service));
    this.options(this.agent, 'all agents', all.flatMap((s) => s.agentNames));
    this.options(this.model, 'all models', all.flatMap((s) => s.models));
    const svc = this.service.value, ag = this.agent.value, mo = this.model.value, st = this.statusSel.value;
    const shown = all.filter((s) => (!svc || s.service === svc) && (!ag || s.agentNames.includes(ag)) && (!mo || s.models.includes(mo))
      && (!st || (st === 'error' ? s.errorCount > 0 && !runRecovered(s) : st === 'retried' ? runRecovered(s) : st === 'bad' ? !!(s.feedback?.down || s.evaluations?.failed) : s.errorCount === 0)))
      .sort((a, b) => (b.startTimeUnixNano.length - a.startTimeUnixNano.length) || (a.startTimeUnixNano < b.startTimeUnixNano ? 1 : a.startTimeUnixNano > b.startTimeUnixNano ? -1 : 0))
      .slice(0, MAX_ROWS);
    const now = Date.now();
    fill(this.body, ...shown.map((s) => {
      const extra = s.agentNames.filter((a) => !s.rootName.includes(a));
      const name = extra.length ? `${s.rootName} · ${extra.join(', ')}` : s.rootName;
      const cost = s.costUsd === null ? (s.llmCalls ? '?' : '–') : `${s.unpricedCalls ? '≥' : ''}${fmtUsd(s.costUsd)}`;
      const recovered = runRecovered(s);
      return h('tr', { 'data-id': s.traceId, tabindex: s.traceId === this.focusedId ? '0' : '-1', class: recovered ? 'recovered' : s.errorCount ? 'has-error' : '', 'aria-label': `run ${s.rootName}` },
        h('td', { class: 'run-name', title: `${visible(name || '(root pending)')} · ${s.traceId}` }, h('div', { class: 'run-name-line' },
          h('input', { type: 'checkbox', class: 'pick', 'data-id': s.traceId, 'aria-label': `compare run ${s.rootName}`, checked: this.picked.includes(s.traceId) ? true : null, tabindex: '-1' }),
          h('span', { class: 'run-title' }, visible(s.title ?? (name || '(root pending)')), s.title ? h('span', { class: 'muted' }, ` · ${visible(name)}`) : null), s.rootPending ? h('span', { class: 'pending-tag' }, ' live') : null, this.convChip(s),
          this.orphanChip(s), this.hitChip(s),
          s.feedback?.down ? h('span', { class: 'quality bad', title: `${s.feedback.down} thumbs down` }, ' ', icon('thumb-down', 'thumbs down'), ` ${s.feedback.down}`) : null,
          s.evaluations?.failed ? h('span', { class: 'quality bad', title: `${s.evaluations.failed} of ${s.evaluations.count} evaluations failed` }, ` ✗ ${s.evaluations.failed} eval`) : null)),
        h('td', null, visible(s.service)),
        h('td', { title: fmtDate(s.startTimeUnixNano) }, fmtAgo(s.startTimeUnixNano, now)),
        h('td', { class: 'num' }, fmtMs(s.durationMs)),
        h('td', { class: 'num' }, String(s.spanCount)),
        h('td', { class: `num${s.errorCount && !recovered ? ' bad' : ''}`, title: recovered ? 'every failed step was retried and got through' : '' }, recovered ? `${s.errorCount} retried` : String(s.errorCount)),
        h('td', { class: 'num' }, `${fmtTokens(s.usage.input)} → ${fmtTokens(s.usage.output)}`),
        h('td', { class: 'num' }, cost));
    }));
    if (!this.focusedId && this.body.firstElementChild) (this.body.firstElementChild as HTMLElement).tabIndex = 0;
    const filtered = shown.length !== all.length;
    this.info.textContent = !all.length
      ? (this.query ? `No run matches "${this.query}".` : 'No runs yet. Point your app at this receiver (OTEL_EXPORTER_OTLP_ENDPOINT) and run it.')
      : `${shown.length}${filtered ? ` of ${all.length}` : ''} run${shown.length === 1 ? '' : 's'}${this.total > all.length ? ` (${this.total} in the store; search to narrow)` : ''}`;
  }

  private onKey(ev: KeyboardEvent): void {
    const tr = (ev.target as HTMLElement).closest('tr[data-id]') as HTMLElement | null;
    if (!tr) return;
    let next: Element | null = null;
    if (ev.key === 'ArrowDown') next = tr.nextElementSibling;
    else if (ev.key === 'ArrowUp') next = tr.previousElementSibling;
    else if (ev.key === 'Home') next = this.body.firstElementChild;
    else if (ev.key === 'End') next = this.body.lastElementChild;
    else if (ev.key === 'Enter') { this.open(tr.dataset.id!, this.hitSpan(tr.dataset.id!)); ev.preventDefault(); return; }
    else return;
    ev.preventDefault();
    if (next instanceof HTMLElement) {
      tr.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
      this.focusedId = next.dataset.id;
    }
  }

  /** The span a search found the run in (the run opens there), while the search is on. */
  private hitSpan(traceId: string): string | undefined {
    return this.query ? this.hits[traceId]?.spanId : undefined;
  }

  /** "found in …": where the search found the run. */
  private hitChip(s: TraceSummary): HTMLElement | null {
    const hit = this.query ? this.hits[s.traceId] : undefined;
    if (!hit || hit.in === 'names') return null;
    const what = hit.in === 'log' ? 'a log record' : visible(hit.name ?? 'a span');
    return h('span', { class: 'search-hit muted', title: `"${visible(this.query)}" is in ${what}; the run opens there` }, ` · found in ${what}`);
  }

  focusRows(): void {
    const first = (this.focusedId && this.body.querySelector(`tr[data-id="${CSS.escape(this.focusedId)}"]`)) || this.body.firstElementChild;
    if (first instanceof HTMLElement) first.focus();
  }
}
