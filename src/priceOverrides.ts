// Price overrides as the user writes them (the setting agentLens.prices.overrides, `serve --prices
// FILE`): one validator for both, so a list the editor accepts never stops the receiver. Pure, no
// imports: the extension and the server both use it.

export interface PriceOverride { model: string; input: number; output: number; cacheRead?: number; cacheWrite?: number }

/** Checks a price override list (e.g. from `serve --prices FILE`); throws an Error that says what is wrong. */
export function parsePriceOverrides(v: unknown): PriceOverride[] {
  if (!Array.isArray(v)) throw new Error('expected a JSON array of {"model", "input", "output", "cacheRead"?, "cacheWrite"?} (USD per million tokens)');
  return v.map((o: unknown, i) => {
    const r = (o && typeof o === 'object' ? o : {}) as Record<string, unknown>;
    if (typeof r.model !== 'string' || !r.model) throw new Error(`[${i}].model: expected a model name`);
    const price = (k: string, required: boolean): number | undefined => {
      const x = r[k];
      if (x === undefined && !required) return undefined;
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new Error(`[${i}].${k}: expected USD per million tokens (a number >= 0)`);
      return x;
    };
    const out: PriceOverride = { model: r.model, input: price('input', true)!, output: price('output', true)! };
    const cr = price('cacheRead', false);
    const cw = price('cacheWrite', false);
    if (cr !== undefined) out.cacheRead = cr;
    if (cw !== undefined) out.cacheWrite = cw;
    return out;
  });
}
