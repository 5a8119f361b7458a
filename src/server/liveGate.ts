// /live: the receiver's side of pausing the live agent (protocol/live.ts). Gates (the capture
// helpers in the apps) connect here; editors attach through their /ws feed (liveFeed.ts hands
// their messages on). The broker keeps who is connected, the union of the editors' breakpoints
// (pushed to every gate when it changes), and the calls waiting; it answers for a call nobody can
// answer: a pause with no editor attached, past the per-process bound, or left when the last
// editor goes, is let go unchanged at once. A gate's own timeout covers the rest (the receiver
// gone, an editor that never answers).
import { WebSocketServer, type WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { mergeBreakpoints, type GateCommand, type GateMessage, type LiveBreakpoints, type LivePause, type LiveProcess, type LiveState, type LiveStep } from '../protocol';

export interface GateLimits {
  /** Calls one process may have waiting; past it a new one is let go at once. */
  maxPausesPerProcess: number;
  /** The largest message a gate may send (a paused call's input: a model call's whole request). */
  maxMessageBytes: number;
}

export const GATE_LIMITS: GateLimits = { maxPausesPerProcess: 64, maxMessageBytes: 16 * 1024 * 1024 };

const MAX_NAME = 512, MAX_NAMES = 1000, MAX_ID = 128;

interface Gate {
  id: string;
  ws: WebSocket;
  /** Set by its hello: until then it is not listed and its pauses are let go. */
  process?: LiveProcess;
  pauses: Map<string, LivePause>;
}

/** Breakpoints as an editor sent them, checked: undefined when they are not breakpoints. */
export function checkBreakpoints(v: unknown): LiveBreakpoints | null | undefined {
  if (v === null) return null;
  if (!v || typeof v !== 'object') return undefined;
  const names = (x: unknown): string[] | '*' | undefined =>
    x === '*' ? '*' : Array.isArray(x) && x.length <= MAX_NAMES && x.every((n) => typeof n === 'string' && n.length <= MAX_NAME) ? x as string[] : undefined;
  const tools = names((v as LiveBreakpoints).tools), models = names((v as LiveBreakpoints).models);
  const failed = (v as LiveBreakpoints).failed;
  if (failed !== undefined && typeof failed !== 'boolean') return undefined;
  return tools === undefined || models === undefined ? undefined : { tools, models, ...(failed ? { failed } : {}) };
}

function checkStep(v: unknown): LiveStep | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const s = v as LiveStep;
  if (s.kind !== 'tool' && s.kind !== 'llm') return undefined;
  if (typeof s.name !== 'string' || s.name.length > MAX_NAME || typeof s.via !== 'string' || s.via.length > MAX_NAME) return undefined;
  if (s.agent !== undefined && (typeof s.agent !== 'string' || s.agent.length > MAX_NAME)) return undefined;
  // (Where it is: kept only when it is a trace id and a span id as OTLP writes them.)
  const where = typeof s.traceId === 'string' && /^[0-9a-f]{32}$/.test(s.traceId) && typeof s.spanId === 'string' && /^[0-9a-f]{16}$/.test(s.spanId)
    ? { traceId: s.traceId, spanId: s.spanId } : {};
  const src = s.source as { path?: unknown; line?: unknown; column?: unknown } | undefined;
  const source = src && typeof src.path === 'string' && src.path.length <= 4096 && Number.isInteger(src.line) && (src.line as number) > 0
    ? { path: src.path, line: src.line as number, ...(Number.isInteger(src.column) && (src.column as number) > 0 ? { column: src.column as number } : {}) } : undefined;
  // (A failure's message, cut to 4 kB: a provider's error body can be long.)
  const failed = typeof s.failed === 'string' ? (s.failed.length > 4096 ? `${s.failed.slice(0, 4095)}…` : s.failed) : undefined;
  return { kind: s.kind, name: s.name, input: s.input, via: s.via, ...(s.agent !== undefined ? { agent: s.agent } : {}), ...where, ...(source ? { source } : {}), ...(failed !== undefined ? { failed } : {}) };
}

const isId = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= MAX_ID;

export class LiveGate {
  private readonly wss: WebSocketServer;
  private readonly gates = new Map<string, Gate>();
  /** Each attached editor's breakpoints, by its feed connection. */
  private readonly editors = new Map<object, LiveBreakpoints>();
  private breakpoints: LiveBreakpoints | null = null;
  /** The editors that passed each waiting call (`process/pause`): it goes on when all of them have. */
  private readonly passed = new Map<string, Set<object>>();
  private nextId = 1;
  /** Called when the processes or the pauses change (the feed tells the attached editors). */
  onChange: (state: LiveState) => void = () => {};

  constructor(private readonly limits: GateLimits = GATE_LIMITS) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes });
  }

  get state(): LiveState {
    const processes: LiveProcess[] = [], pauses: LivePause[] = [];
    for (const g of this.gates.values()) {
      if (!g.process) continue;
      processes.push(g.process);
      pauses.push(...g.pauses.values());
    }
    return { processes, pauses };
  }

  /** The breakpoints gates are told now (the union of the attached editors'). */
  get current(): LiveBreakpoints | null { return this.breakpoints; }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const gate: Gate = { id: `p${this.nextId++}`, ws, pauses: new Map() };
      this.gates.set(gate.id, gate);
      const gone = () => this.gateGone(gate);
      ws.on('close', gone);
      ws.on('error', gone);
      ws.on('message', (data) => {
        let m: GateMessage;
        try { m = JSON.parse(String(data)) as GateMessage; } catch { return; }
        this.fromGate(gate, m);
      });
      this.send(gate, { type: 'breakpoints', breakpoints: this.breakpoints });
    });
  }

  private fromGate(gate: Gate, m: GateMessage): void {
    if (!m || typeof m !== 'object') return;
    if (m.type === 'hello' && !gate.process) {
      if (!Number.isSafeInteger(m.pid) || (m.language !== 'node' && m.language !== 'python') || typeof m.service !== 'string') return;
      gate.process = { id: gate.id, pid: m.pid, language: m.language, service: m.service.slice(0, MAX_NAME) };
      this.changed();
    } else if (m.type === 'paused' && isId(m.pauseId)) {
      const step = checkStep(m.step);
      if (!step) return this.send(gate, { type: 'resume', pauseId: m.pauseId });
      // Nobody to answer it: it goes on unchanged now.
      if (!gate.process || !this.breakpoints || gate.pauses.size >= this.limits.maxPausesPerProcess || gate.pauses.has(m.pauseId)) {
        return this.send(gate, { type: 'resume', pauseId: m.pauseId });
      }
      gate.pauses.set(m.pauseId, { pauseId: m.pauseId, process: gate.process, step, since: Date.now() });
      this.changed();
    } else if (m.type === 'released' && isId(m.pauseId)) {
      this.passed.delete(`${gate.id}/${m.pauseId}`);
      if (gate.pauses.delete(m.pauseId)) this.changed();
    }
  }

  private gateGone(gate: Gate): void {
    if (!this.gates.delete(gate.id)) return;
    for (const id of gate.pauses.keys()) this.passed.delete(`${gate.id}/${id}`);
    if (gate.process) this.changed();
  }

  /** An editor attaches with its breakpoints, changes them, or detaches (null). */
  attach(editor: object, breakpoints: LiveBreakpoints | null): void {
    if (breakpoints) this.editors.set(editor, breakpoints); else this.editors.delete(editor);
    const next = mergeBreakpoints(this.editors.values());
    if (JSON.stringify(next) !== JSON.stringify(this.breakpoints)) {
      this.breakpoints = next;
      for (const g of this.gates.values()) this.send(g, { type: 'breakpoints', breakpoints: next });
    }
    // An editor that went no longer holds up what the others passed.
    if (!breakpoints) for (const [key, by] of this.passed) { by.delete(editor); this.goIfAllPassed(key); }
    // The last editor went: whatever waits goes on unchanged.
    if (!next) {
      let any = false;
      for (const g of this.gates.values()) {
        for (const id of g.pauses.keys()) { this.send(g, { type: 'resume', pauseId: id }); any = true; }
        g.pauses.clear();
      }
      if (any) this.changed();
    }
  }

  /** A paused call goes on (with `input`, made with it instead); false when no such call waits. */
  resume(processId: string, pauseId: string, input?: unknown): boolean {
    return this.answer(processId, pauseId, input === undefined ? { type: 'resume', pauseId } : { type: 'resume', pauseId, input });
  }

  /** A paused call fails with `message` instead of running; false when no such call waits. */
  fail(processId: string, pauseId: string, message: string): boolean {
    return this.answer(processId, pauseId, { type: 'fail', pauseId, message: String(message).slice(0, 4096) });
  }

  /**
   * An editor does not stop this call (its conditions rule it out). It goes on unchanged once
   * every attached editor has passed it; an editor that stops it answers it (resume or fail).
   */
  pass(editor: object, processId: string, pauseId: string): void {
    const key = `${processId}/${pauseId}`;
    if (!this.gates.get(processId)?.pauses.has(pauseId) || !this.editors.has(editor)) return;
    let by = this.passed.get(key);
    if (!by) this.passed.set(key, (by = new Set()));
    by.add(editor);
    this.goIfAllPassed(key);
  }

  private goIfAllPassed(key: string): void {
    const by = this.passed.get(key);
    if (!by || [...this.editors.keys()].some((e) => !by.has(e))) return;
    const cut = key.indexOf('/');
    this.resume(key.slice(0, cut), key.slice(cut + 1));
  }

  private answer(processId: string, pauseId: string, cmd: GateCommand): boolean {
    const g = this.gates.get(processId);
    this.passed.delete(`${processId}/${pauseId}`);
    if (!g || !g.pauses.delete(pauseId)) return false;
    this.send(g, cmd);
    this.changed();
    return true;
  }

  private send(g: Gate, cmd: GateCommand): void {
    if (g.ws.readyState === g.ws.OPEN) g.ws.send(JSON.stringify(cmd));
  }

  private changed(): void {
    try { this.onChange(this.state); } catch { /* the feed's own failures are its own */ }
  }

  close(): void {
    for (const g of this.gates.values()) g.ws.terminate();
    this.gates.clear();
    this.wss.close();
  }
}
