// Model prices from @pydantic/genai-prices' bundled data (offline). A price entry is looked up once
// per (provider, model) and cached: calcPrice costs ~20 µs a call, too slow for the ingest path, and
// prices are linear per token class except for tiered entries, which still go through calcPrice.
import { calcPrice } from '@pydantic/genai-prices';
import type { Cost, CostLine, Usage } from '../protocol';

/** The price data's version (the package is pinned in package.json; a test keeps the two equal). */
export const PRICES_VERSION = '0.1.8';
const SOURCE = `genai-prices ${PRICES_VERSION} (bundled)`;

export interface PriceEntry {
  providerId: string;
  modelId: string;
  /** USD per million tokens by class; absent classes fall back as the library does (cache → input). */
  inputMtok: number;
  outputMtok: number;
  cacheReadMtok: number | undefined;
  cacheWriteMtok: number | undefined;
  tiered: boolean;
}

// By provider, then model: no key string is built per call on the ingest path.
const cache = new Map<string, Map<string, PriceEntry | null>>();
const overrides = new Map<string, PriceEntry>();

import type { PriceOverride } from '../priceOverrides';
export { parsePriceOverrides, type PriceOverride } from '../priceOverrides';

/** User overrides per model name (USD per million tokens); they win over the bundled prices. */
export function setPriceOverrides(list: PriceOverride[]): void {
  overrides.clear();
  cache.clear();
  for (const o of list) {
    overrides.set(overrideKey(o.model), {
      providerId: 'override', modelId: o.model, inputMtok: o.input, outputMtok: o.output,
      cacheReadMtok: o.cacheRead, cacheWriteMtok: o.cacheWrite, tiered: false,
    });
  }
}

/**
 * A model name as overrides are keyed: lowercase, without a provider prefix ("openai/gpt-4o") or a
 * snapshot date ("gpt-4o-2024-08-06", "claude-3-5-sonnet-20241022"), so that an override for
 * `gpt-4o` covers them all as the bundled prices do.
 */
function overrideKey(model: string): string {
  const m = model.toLowerCase();
  return m.slice(m.lastIndexOf('/') + 1).replace(/[-@](\d{4}-\d{2}-\d{2}|\d{8})$/, '');
}

/** An override for exactly this name first, then for its normalized name. */
function findOverride(model: string): PriceEntry | null {
  return overrides.get(model.toLowerCase()) ?? overrides.get(overrideKey(model)) ?? null;
}

const PROVIDER_ALIASES: Record<string, string> = {
  'openai.chat': 'openai', 'openai.responses': 'openai', 'az.ai.openai': 'azure', 'azure.ai.openai': 'azure',
  'x_ai': 'x-ai', 'xai': 'x-ai', 'gcp.gemini': 'google', 'gcp.vertex_ai': 'google', 'gemini': 'google',
  'aws.bedrock': 'aws', 'anthropic.messages': 'anthropic',
};

const providerIds = new Map<string, string>();
export function priceProviderId(provider: string | undefined): string | undefined {
  if (!provider) return undefined;
  let id = providerIds.get(provider);
  if (id === undefined) {
    const p = provider.toLowerCase();
    id = PROVIDER_ALIASES[p] ?? p.split('.')[0]!;
    if (providerIds.size > 1000) providerIds.clear();
    providerIds.set(provider, id);
  }
  return id;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

export function findPrice(model: string, provider: string | undefined): PriceEntry | null {
  let byModel = cache.get(provider ?? '');
  if (!byModel) cache.set(provider ?? '', (byModel = new Map()));
  const hit = byModel.get(model);
  if (hit !== undefined) return hit;
  let entry: PriceEntry | null = overrides.size ? findOverride(model) : null;
  if (!entry) {
    // "openai/gpt-4o" style names carry their provider.
    const slash = model.indexOf('/');
    const candidates: [string, string | undefined][] = [[model, priceProviderId(provider)]];
    if (slash > 0) candidates.push([model.slice(slash + 1), priceProviderId(model.slice(0, slash))]);
    candidates.push([model, undefined]);
    for (const [m, p] of candidates) {
      let r = null;
      try {
        r = calcPrice({ input_tokens: 1_000_000, output_tokens: 1_000_000 }, m, p ? { providerId: p } : {});
      } catch { r = null; }
      if (!r) continue;
      const mp = r.model_price;
      const tiered = Object.values(mp).some((v) => v !== undefined && typeof v === 'object');
      entry = {
        providerId: r.provider.id, modelId: r.model.id,
        inputMtok: num(mp.input_mtok) ?? 0, outputMtok: num(mp.output_mtok) ?? 0,
        cacheReadMtok: num(mp.cache_read_mtok), cacheWriteMtok: num(mp.cache_write_mtok), tiered,
      };
      break;
    }
  }
  byModel.set(model, entry);
  return entry;
}

/** USD of one model call, or null when no price is known: the ingest path (no provenance objects). */
export function costUsd(usage: Usage, model: string | undefined, provider: string | undefined): number | null {
  if (!model) return null;
  const p = findPrice(model, provider);
  if (!p) return null;
  if (p.tiered) return costOf(usage, model, provider).usd;
  const cacheRead = Math.min(usage.cacheRead, usage.input);
  const cacheWrite = Math.min(usage.cacheCreation, usage.input - cacheRead);
  return ((usage.input - cacheRead - cacheWrite) * p.inputMtok + cacheRead * (p.cacheReadMtok ?? p.inputMtok)
    + cacheWrite * (p.cacheWriteMtok ?? p.inputMtok) + usage.output * p.outputMtok) / 1e6;
}

const line = (tokenClass: CostLine['tokenClass'], tokens: number, usdPerMillion: number, note?: string): CostLine => {
  const l: CostLine = { tokenClass, tokens, usdPerMillion, usd: (tokens * usdPerMillion) / 1e6 };
  if (note) l.note = note;
  return l;
};

/**
 * One model call's cost with its provenance: which price entry matched and how each token class was
 * priced. Cache tokens are part of input tokens and reasoning tokens part of output tokens (OTel
 * GenAI semantics; genai-prices counts them the same way): reasoning is billed at the output price.
 * No known price gives `usd: null` with the reason, never a silent 0.
 */
export function costOf(usage: Usage, model: string | undefined, provider: string | undefined): Cost {
  if (!model) return { usd: null, source: 'unknown', lines: [], note: 'the span names no model' };
  const p = findPrice(model, provider);
  if (!p) return { usd: null, source: 'unknown', lines: [], note: `no price known for model "${model}"${provider ? ` (provider "${provider}")` : ''}` };
  const source = p.providerId === 'override' ? 'user override' : SOURCE;
  const base = { source, provider: p.providerId, model: p.modelId };
  if (p.tiered) {
    const r = calcPrice(
      { input_tokens: usage.input, output_tokens: usage.output, cache_read_tokens: usage.cacheRead, cache_write_tokens: usage.cacheCreation },
      p.modelId, { providerId: p.providerId },
    );
    return r
      ? { ...base, usd: r.total_price, lines: [], note: 'tiered price (by prompt length): total from genai-prices, not split by token class' }
      : { ...base, usd: null, lines: [], note: 'tiered price could not be computed' };
  }
  const cacheRead = Math.min(usage.cacheRead, usage.input);
  const cacheWrite = Math.min(usage.cacheCreation, usage.input - cacheRead);
  const lines: CostLine[] = [line('input', usage.input - cacheRead - cacheWrite, p.inputMtok)];
  if (cacheRead) lines.push(line('cache_read', cacheRead, p.cacheReadMtok ?? p.inputMtok, p.cacheReadMtok === undefined ? 'priced as input: the entry has no cache-read price' : undefined));
  if (cacheWrite) lines.push(line('cache_write', cacheWrite, p.cacheWriteMtok ?? p.inputMtok, p.cacheWriteMtok === undefined ? 'priced as input: the entry has no cache-write price' : undefined));
  lines.push(line('output', usage.output, p.outputMtok, usage.reasoning ? `includes ${usage.reasoning} reasoning tokens, billed as output` : undefined));
  return { ...base, usd: lines.reduce((n, l) => n + l.usd, 0), lines };
}
