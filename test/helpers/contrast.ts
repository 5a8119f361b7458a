// WCAG 2.x contrast, from colours as a browser computes them ("rgb(r, g, b)" / "rgba(r, g, b, a)"),
// written from the definition (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio): the truth the
// theme checks compare the rendered UI against.
import type { Locator } from 'playwright-core';

export type Rgba = [number, number, number, number];

export function parseColor(css: string): Rgba {
  const m = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(css.trim());
  if (!m) throw new Error(`not an rgb() colour: ${css}`);
  const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? Number(m[4].slice(0, -1)) / 100 : Number(m[4]);
  return [Number(m[1]), Number(m[2]), Number(m[3]), a];
}

/** `top` painted over the opaque `bottom`. */
export function over(top: Rgba, bottom: Rgba): Rgba {
  const a = top[3];
  return [0, 1, 2].map((i) => top[i]! * a + bottom[i]! * (1 - a)).concat(1) as Rgba;
}

function luminance([r, g, b]: Rgba): number {
  const lin = (c: number) => { const s = c / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrast(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * An element's text colour and the background it is drawn on, as rendered: the backgrounds of it
 * and its ancestors composited from the page's (opaque) background up.
 */
export async function renderedColors(el: Locator): Promise<{ fg: Rgba; bg: Rgba }> {
  const raw = await el.evaluate((node) => {
    const bgs: string[] = [];
    for (let n: Element | null = node; n; n = n.parentElement) bgs.push(getComputedStyle(n).backgroundColor);
    return { fg: getComputedStyle(node).color, bgs };
  });
  let bg: Rgba = [255, 255, 255, 1];
  for (const c of raw.bgs.reverse()) bg = over(parseColor(c), bg);
  return { fg: over(parseColor(raw.fg), bg), bg };
}
