import { html } from './html.ts';
import type { Html } from './html.ts';

/**
 * A wide table in a box that scrolls sideways. The box takes keyboard focus and is a named region,
 * so that people who cannot use a mouse can scroll it too (axe: scrollable-region-focusable), and a
 * screen reader says what the focused box holds.
 */
export function scrollRegion(label: string, content: Html): Html {
  return html`<div class="table-scroll" role="region" tabindex="0" aria-label="${label}">${content}</div>`;
}
