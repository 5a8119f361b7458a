// Model prices from @pydantic/genai-prices' bundled data (offline). A price entry is looked up once
// per (provider, model) and cached: calcPrice costs ~20 µs a call, too slow for the ingest path, and
// prices are linear per token class except for tiered entries, which still go through calcPrice.
import { calcPrice } from '@pydantic/genai-prices';
import type { Usage } from '../protocol';

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

const cache = new Map<string, PriceEntry | null>();
const overrides = new Map<string, PriceEntry>();

/** User overrides per model name (USD per million tokens). */
export function setPriceOverrides(list: { model: string; input: number; output: number; cacheRead?: number; cacheWrite?: number }[]): void {
  overrides.clear();
  cache.clear();
  for (const o of list) {
    overrides.set(o.model.toLowerCase(), {
      providerId: 'override', modelId: o.model, inputMtok: o.input, outputMtok: o.output,
      cacheReadMtok: o.cacheRead, cacheWriteMtok: o.cacheWrite, tiered: false,
    });
  }
}

const PROVIDER_ALIASES: Record<string, string> = {
  'openai.chat': 'openai', 'openai.responses': 'openai', 'az.ai.openai': 'azure', 'azure.ai.openai': 'azure',
  'x_ai': 'x-ai', 'xai': 'x-ai', 'gcp.gemini': 'google', 'gcp.vertex_ai': 'google', 'gemini': 'google',
  'aws.bedrock': 'aws', 'anthropic.messages': 'anthropic',
};

export function priceProviderId(provider: string | undefined): string | undefined {
  if (!provider) return undefined;
  const p = provider.toLowerCase();
  return PROVIDER_ALIASES[p] ?? p.split('.')[0];
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

export function findPrice(model: string, provider: string | undefined): PriceEntry | null {
  const key = `${provider ?? ''}\u0000${model}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let entry: PriceEntry | null = overrides.get(model.toLowerCase()) ?? null;
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
  cache.set(key, entry);
  return entry;
}

/** USD for one model call, or null when the model's price is unknown (never a silent 0). */
export function costOf(usage: Usage, model: string | undefined, provider: string | undefined): number | null {
  if (!model) return null;
  const p = findPrice(model, provider);
  if (!p) return null;
  if (p.tiered) {
    const r = calcPrice(
      { input_tokens: usage.input, output_tokens: usage.output, cache_read_tokens: usage.cacheRead, cache_write_tokens: usage.cacheCreation },
      p.modelId, { providerId: p.providerId },
    );
    return r ? r.total_price : null;
  }
  // Cache tokens are part of input tokens (OTel GenAI semantics, as genai-prices counts them too).
  const cacheRead = Math.min(usage.cacheRead, usage.input);
  const cacheWrite = Math.min(usage.cacheCreation, usage.input - cacheRead);
  const plainInput = usage.input - cacheRead - cacheWrite;
  return (
    plainInput * p.inputMtok +
    cacheRead * (p.cacheReadMtok ?? p.inputMtok) +
    cacheWrite * (p.cacheWriteMtok ?? p.inputMtok) +
    usage.output * p.outputMtok
  ) / 1e6;
}
