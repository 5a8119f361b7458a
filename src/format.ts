// How durations, tokens and money read, for people: one module for the UI, the Runs tree and the
// CLI, so the same figure reads the same everywhere.
import type { Feedback, HistoryState, Nanos, TraceSummary } from './protocol';
import { msOfNanos } from './time';

/**
 * A duration: "850 µs", "8.4 ms", "999 ms", "1.00 s", "59.9 s", "2 m 00 s", "1 h 05 m". Each form is
 * chosen after rounding, so 999.7 ms reads "1.00 s", never "1000 ms", and 119,600 ms "2 m 00 s",
 * never "1 m 60 s".
 */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 0) return `−${fmtMs(-ms)}`;
  if (ms === 0) return '0';
  if (ms < 1 && Math.round(ms * 1000) < 1000) return `${Math.round(ms * 1000)} µs`;
  if (ms < 10 && Number((ms).toFixed(1)) < 10) return `${ms.toFixed(1)} ms`;
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10 && Number(s.toFixed(2)) < 10) return `${s.toFixed(2)} s`;
  if (Number(s.toFixed(1)) < 60) return `${s.toFixed(1)} s`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} m ${String(totalS % 60).padStart(2, '0')} s`;
  const totalM = Math.round(s / 60);
  return `${Math.floor(totalM / 60)} h ${String(totalM % 60).padStart(2, '0')} m`;
}

/** Token creep in a few words, the same in the run list, the conversation, the lenses and their hovers. */
export function creepLabel(c: { ratio: number; peakTurn?: number }): string {
  return `input ×${c.ratio.toFixed(1)}${c.peakTurn !== undefined ? ` by turn ${c.peakTurn}` : ''}`;
}

export function fmtTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) {
    const k = n / 1000;
    if (k < 10 && Number(k.toFixed(1)) < 10) return `${k.toFixed(1)}k`;
    if (Math.round(k) < 1000) return `${Math.round(k)}k`;
  }
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function fmtUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return '–';
  if (usd === 0) return '$0';
  if (usd < 0.0001) return '<$0.0001';
  if (usd < 1) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/** Exact USD, for tooltips and the cost table. */
export function fmtUsdExact(usd: number): string {
  return `$${usd.toPrecision(6).replace(/\.?0+$/, '')}`;
}

/** A time of day with milliseconds, in local time. */
export function fmtClock(nanos: Nanos | string): string {
  const d = new Date(msOfNanos(nanos));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function fmtAgo(nanos: Nanos | string, now = Date.now()): string {
  const s = Math.round((now - msOfNanos(nanos)) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(msOfNanos(nanos)).toLocaleString();
}

/** A date and time in local time. */
export function fmtDate(nanos: Nanos | string): string {
  return new Date(msOfNanos(nanos)).toLocaleString();
}

/** "loading history 40 %": how far the receiver has read its data directory (the same words in the page, the Runs view and the status bar). */
export function historyProgress(h: Pick<HistoryState, 'bytesRead' | 'bytesOnDisk'>): string {
  const pct = h.bytesOnDisk ? Math.min(99, Math.floor(100 * (h.bytesRead ?? 0) / h.bytesOnDisk)) : 0;
  return `loading history ${pct} %`;
}

/**
 * What a person calls a run, the same everywhere (the runs list, its header, its tab, the Runs view,
 * the conversation, the debugger): the question that started it, else its root span's name.
 */
export function runTitle(r: Pick<TraceSummary, 'title' | 'rootName' | 'traceId'>): string {
  return r.title ?? (r.rootName || `run ${r.traceId.slice(0, 8)}`);
}

/** A verdict that counts as a thumbs up: "up", or a score of 0.5 or more. */
export function isPositive(f: Pick<Feedback, 'value'>): boolean {
  return f.value === 'up' || (typeof f.value === 'number' && f.value >= 0.5);
}

/** A run whose every failure was retried and got through (a later step of the same name, or the step it was in): not a failed run. */
export function runRecovered(r: Pick<TraceSummary, 'errorCount' | 'recoveredErrors'>): boolean {
  return r.errorCount > 0 && (r.recoveredErrors ?? 0) >= r.errorCount;
}
