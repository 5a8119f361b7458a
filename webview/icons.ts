// Small line icons drawn as SVG (currentColor), for what an emoji would say but some systems draw
// as an empty box (no emoji font in many Linux and remote set-ups). Built with DOM calls, like
// everything in the UI.
const SVG = 'http://www.w3.org/2000/svg';

// A thumb on a 16×16 grid: the cuff, and the hand with its thumb raised.
const THUMB = 'M1.5 7.5h3v7h-3z M4.5 7.5 7.6 2c1.2 0 1.9.8 1.6 2.1L8.7 6.5h4.6c1 0 1.7.9 1.5 1.9l-1 5.2c-.2.8-.9 1.4-1.7 1.4H4.5';

// Two bars: paused.
const PAUSE = 'M5 3v10 M11 3v10';

export type IconName = 'thumb-up' | 'thumb-down' | 'pause';

export function icon(name: IconName, title?: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '1em');
  svg.setAttribute('height', '1em');
  svg.setAttribute('class', `icon icon-${name}`);
  svg.setAttribute('fill', 'none');
  svg.setAttribute('stroke', 'currentColor');
  svg.setAttribute('stroke-width', '1.2');
  svg.setAttribute('stroke-linejoin', 'round');
  if (title) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', title);
  } else svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', name === 'pause' ? PAUSE : THUMB);
  if (name === 'thumb-down') path.setAttribute('transform', 'rotate(180 8 8)');
  svg.appendChild(path);
  return svg;
}
