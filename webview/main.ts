// The UI's entry: picks the transport (VS Code webview or browser tab), routes between the runs
// list, a run (#/run/<traceId>[/<spanId>]) and a conversation (#/conversation/<id>), relays the
// live feed, and owns global keys.
import './ui.css';
import { hostForPage, PostMessageHost, type Host } from './transport';
import { RunList } from './runList';
import { RunView } from './runView';
import { ConversationView } from './conversationView';
import { DiffView } from './diffView';
import { h, fill } from './dom';
import { historyProgress } from './format';
import type { HistoryState, ServerMessage } from '../src/protocol';

class App {
  private readonly main = h('main', { class: 'main' });
  private readonly conn = h('span', { class: 'conn', role: 'status', 'aria-live': 'polite' }, 'connecting…');
  private readonly list: RunList;
  private run: RunView | undefined;
  /** The calls paused in a debugger now, for a run view opened while they wait. */
  private paused: Extract<ServerMessage, { type: 'paused' }> | undefined;
  private conversation: ConversationView | DiffView | undefined;

  private readonly history = h('span', { class: 'history-note', role: 'status' }, 'loading history… runs from before the restart appear when it is done');
  private readonly head = h('header', { class: 'app-head' }, h('span', { class: 'brand' }, 'Agent Lens'), this.conn, this.history);
  private connected = false;
  /** Without a token the receiver answers nothing: the page only says how to get one. */
  private isLocked = false;

  constructor(private readonly host: Host, root: HTMLElement) {
    this.list = new RunList(host, (id, spanId) => this.navigate(`#/run/${id}${spanId ? `/${spanId}` : ''}`), (id) => this.navigate(`#/conversation/${encodeURIComponent(id)}`),
      (a, b) => this.navigate(`#/diff/${a}/${b}`));
    this.history.hidden = true;
    fill(root, this.head, this.main);
    host.onConnection((state, detail) => {
      if (state === 'unauthorized') return this.locked(detail);
      this.conn.textContent = state === 'connected' ? 'live' : state === 'connecting' ? `connecting…${detail ? ` ${detail}` : ''}` : `disconnected${detail ? ` · ${detail}` : ''}`;
      this.conn.className = `conn ${state}`;
      this.connected = state === 'connected';
      if (!this.connected) this.showHistory(false);
      // In the editor the tab names the view: the header only shows when something is wrong.
      this.head.classList.toggle('ok', this.connected && this.history.hidden);
      if (state === 'connected') void this.list.refetch();
    });
    host.onFeed((m) => {
      if (m.type === 'resync') return this.resync(m.all ? undefined : m.traceIds);
      if (m.type === 'history') {
        this.showHistory(m.loading, m);
        if (!m.loading) this.resync(undefined); // the runs from disk are in now
        return;
      }
      if (m.type === 'paused') this.paused = m;
      this.list.onFeed(m);
      this.run?.onFeed(m);
    });
    host.onOpen((traceId, spanId, diffFrom) => this.navigate(diffFrom ? `#/diff/${diffFrom}/${traceId}` : `#/run/${traceId}${spanId ? `/${spanId}` : ''}`));
    window.addEventListener('hashchange', () => this.route());
    document.addEventListener('keydown', (ev) => this.onKey(ev));
    this.route();
  }

  /**
   * A browser tab without the receiver's token (or with one from before a restart): where the
   * address with the token is, and a field to paste the token into.
   */
  private locked(why?: string): void {
    this.isLocked = true;
    this.conn.textContent = 'not signed in';
    this.conn.className = 'conn disconnected';
    const input = h('input', { type: 'password', class: 'token-input', 'aria-label': 'Token', placeholder: 'token', autocomplete: 'off' });
    const go = () => {
      const t = input.value.trim().replace(/^.*[?&#]token=([^&]+).*$/, '$1');
      if (!t) return;
      sessionStorage.setItem('agentLensToken', decodeURIComponent(t));
      location.replace(`${location.pathname}?token=${encodeURIComponent(decodeURIComponent(t))}${location.hash}`);
    };
    input.addEventListener('keydown', (ev) => { if ((ev as KeyboardEvent).key === 'Enter') go(); });
    fill(this.main, h('div', { class: 'locked pad', role: 'alert' },
      h('h1', null, 'This page needs the receiver\'s token'),
      h('p', null, `The Agent Lens receiver only answers pages that carry its token (${why ?? 'none was given'}). Open the address with the token:`),
      h('ul', null,
        h('li', null, 'printed when the receiver starts (', h('code', null, 'npm start'), ': the line "UI http://…/?token=…");'),
        h('li', null, 'or by ', h('code', null, 'agent-lens status'), ' (in the repository: ', h('code', null, 'node dist/cli.js status'), ');'),
        h('li', null, 'or, in VS Code, by the command ', h('strong', null, 'Agent Lens: Open in Browser'), '.')),
      h('p', null, 'Or paste the token (or the whole address) here: ', input, ' ', h('button', { type: 'button', onclick: go }, 'Open'))));
  }

  private navigate(hash: string): void {
    if (location.hash === hash) this.route(); else location.hash = hash;
  }

  private route(): void {
    if (this.isLocked) return;
    // (A diff is named after its second run: the replay, beside its original.)
    const run = /^#\/run\/([0-9a-f]{32})/.exec(location.hash) ?? /^#\/diff\/[0-9a-f]{32}\/([0-9a-f]{32})/.exec(location.hash);
    this.host.showing?.(run?.[1]);
    this.conversation?.dispose();
    this.conversation = undefined;
    const dm = /^#\/diff\/([0-9a-f]{32})\/([0-9a-f]{32})$/.exec(location.hash);
    if (dm) {
      this.run?.dispose();
      this.run = undefined;
      const view = new DiffView(this.host, dm[1]!, dm[2]!, { onBack: () => this.navigate('#/'), openRun: (t) => this.navigate(`#/run/${t}`), compare: (a, b) => this.navigate(`#/diff/${a}/${b}`) });
      this.conversation = view;
      fill(this.main, view.el);
      void view.load();
      return;
    }
    const cm = /^#\/conversation\/(.+)$/.exec(location.hash);
    if (cm) {
      let id: string;
      try { id = decodeURIComponent(cm[1]!); } catch { id = cm[1]!; }
      this.run?.dispose();
      this.run = undefined;
      const view = new ConversationView(this.host, id, { onBack: () => this.navigate('#/'), openRun: (t) => this.navigate(`#/run/${t}`),
        compare: (a, b) => this.navigate(`#/diff/${a}/${b}`) });
      this.conversation = view;
      fill(this.main, view.el);
      void view.load();
      return;
    }
    const m = /^#\/run\/([0-9a-f]{32})(\/stitched)?(?:\/([0-9a-f]{16}))?$/.exec(location.hash);
    if (m) {
      const [, traceId, stitchedPart, spanId] = m as unknown as [string, string, string | undefined, string | undefined];
      const stitched = !!stitchedPart;
      const base = `#/run/${traceId}${stitched ? '/stitched' : ''}`;
      if (this.run?.traceId === traceId && this.run.stitched === stitched) {
        if (spanId) this.run.select(spanId);
        return;
      }
      this.run?.dispose();
      const view = new RunView(this.host, traceId, {
        ...(spanId ? { spanId } : {}),
        openConversation: (id) => this.navigate(`#/conversation/${encodeURIComponent(id)}`),
        stitched,
        openRun: (t, st) => this.navigate(`#/run/${t}${st ? '/stitched' : ''}`),
        onBack: () => this.navigate('#/'),
        onSelect: (id) => { if (id) history.replaceState(null, '', `${base}/${id}`); },
      });
      this.run = view;
      if (this.paused) view.onFeed(this.paused);
      fill(this.main, view.el);
      // The open run, for the benchmark (npm run bench reads its timing marks and drives frames).
      (window as unknown as { agentLensRun?: RunView }).agentLensRun = view;
      void view.load().then(() => view.focusTree());
      return;
    }
    this.run?.dispose();
    this.run = undefined;
    fill(this.main, this.list.el);
    // The rows take the focus once listed, unless the user has gone to a control meanwhile ('/'
    // and typing a search while the list loads: moving the focus then would send the keys elsewhere).
    void this.list.refetch().then(() => { if (!this.list.el.contains(document.activeElement) || document.activeElement?.matches('tr[data-id]')) this.list.focusRows(); });
  }

  /** The receiver is loading its data directory (it already takes new runs). */
  private showHistory(loading: boolean, progress?: HistoryState): void {
    this.history.hidden = !loading;
    if (loading) this.history.textContent = `${progress ? historyProgress(progress) : 'loading history'}… runs from before the restart appear when it is done`;
    this.head.classList.toggle('ok', this.connected && !loading);
  }

  /** Live updates were left out: the list and the open run (if concerned) are loaded again. */
  private resync(traceIds: string[] | undefined): void {
    void this.list.refetch();
    if (this.run && (!traceIds || traceIds.includes(this.run.traceId))) {
      this.run.dispose();
      this.run = undefined;
      this.route(); // the hash keeps the selected step
    }
  }

  private onKey(ev: KeyboardEvent): void {
    const t = ev.target as HTMLElement;
    const typing = t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT';
    if (ev.key === '/' && !typing && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
      ev.preventDefault();
      if (this.run) this.run.focusFind(); else this.list.focusSearch();
    } else if (ev.key === 'Backspace' && !typing && this.run && !t.closest('.detail')) {
      ev.preventDefault();
      this.navigate('#/');
    }
  }
}

const root = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
const host = hostForPage();
if (host instanceof PostMessageHost) document.body.classList.add('in-editor');
new App(host, root);
