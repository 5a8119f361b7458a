// An editor attached to live agents through the receiver's feed (/ws), for the live gate's tests:
// it says its breakpoints, hears the pauses, and answers them.
import WebSocket from 'ws';
import { waitFor } from './server';
import type { LiveBreakpoints, LivePause, ServerMessage } from '../../src/protocol';

/** An editor attached to live agents through the receiver's feed. */
export class Editor {
  readonly heard: ServerMessage[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.heard.push(JSON.parse(String(d)) as ServerMessage));
  }
  static async attach(port: number, token: string, breakpoints: LiveBreakpoints): Promise<Editor> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const e = new Editor(ws);
    ws.send(JSON.stringify({ type: 'live', breakpoints }));
    return e;
  }
  /** The next pause, not one answered already. */
  async pause(answered: Set<string>, ms = 30_000): Promise<LivePause> {
    return waitFor('a pause', () => {
      for (let i = this.heard.length - 1; i >= 0; i--) {
        const m = this.heard[i]!;
        if (m.type !== 'live') continue;
        const p = m.pauses.find((x) => !answered.has(`${x.process.id}/${x.pauseId}`));
        if (p) { answered.add(`${p.process.id}/${p.pauseId}`); return p; }
        return undefined;
      }
      return undefined;
    }, ms);
  }
  /** A pause not answered yet, if one waits now. */
  waiting(answered: Set<string>): LivePause | undefined {
    const m = this.heard.filter((x) => x.type === 'live').pop() as Extract<ServerMessage, { type: 'live' }> | undefined;
    const p = m?.pauses.find((x) => !answered.has(`${x.process.id}/${x.pauseId}`));
    if (p) answered.add(`${p.process.id}/${p.pauseId}`);
    return p;
  }
  resume(p: LivePause, input?: unknown): void { this.ws.send(JSON.stringify({ type: 'resume', pauseId: p.pauseId, processId: p.process.id, ...(input === undefined ? {} : { input }) })); }
  fail(p: LivePause, message: string): void { this.ws.send(JSON.stringify({ type: 'fail', pauseId: p.pauseId, processId: p.process.id, message })); }
  close(): void { this.ws.close(); }
}

