// How numbers, times, kinds and money read in the UI.
import type { GenAiKind } from '../src/protocol';

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms === 0) return '0';
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} m ${Math.round((ms % 60_000) / 1000)} s`;
}

export function fmtTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
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

export function fmtClock(nanos: string): string {
  const ms = Number(nanos) / 1e6;
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function fmtAgo(nanos: string, now = Date.now()): string {
  const s = Math.round((now - Number(nanos) / 1e6) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(Number(nanos) / 1e6).toLocaleString();
}

export const KIND_LABEL: Record<GenAiKind | 'span' | 'pending', string> = {
  agent: 'agent', llm: 'LLM', tool: 'tool', embeddings: 'embed', retrieval: 'retrieve', workflow: 'flow', other: 'genai',
  span: 'span', pending: '…',
};

export const OTLP_KIND = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** Milliseconds between two exact nanosecond strings, exact enough for drawing. */
export function nanosMs(nanos: string): number {
  return Number(nanos) / 1e6;
}
