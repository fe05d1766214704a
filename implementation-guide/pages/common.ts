import type { Resource } from '@medplum/fhirtypes';
import { codeBlock } from '../highlight.ts';
import { html, raw } from '../html.ts';
import type { Html, HtmlValue } from '../html.ts';
import { scrollRegion } from '../scroll-region.ts';

/** A two-column table of a resource's identifying properties; rows without a value are left out. */
export function metadataTable(rows: [string, HtmlValue][]): Html {
  const shown = rows.filter(([, value]) => value !== undefined && value !== null && value !== '' && value !== false);
  return html`<table class="meta">
<tbody>${shown.map(([label, value]) => html`<tr><th scope="row">${label}</th><td>${value}</td></tr>\n`)}</tbody>
</table>`;
}

/** The resource as pretty-printed, highlighted JSON, folded away by default. */
export function jsonSection(resource: Resource, open = false): Html {
  return html`<section aria-labelledby="json">
<h2 id="json">JSON</h2>
<details${open ? raw(' open') : ''}><summary>${resource.resourceType}/${resource.id} as JSON</summary>
${raw(codeBlock(JSON.stringify(resource, null, 2), 'json'))}
</details>
</section>`;
}

/** A simple table with a header row. */
export function table(caption: string, headers: string[], rows: HtmlValue[][], className = 'list'): Html {
  return scrollRegion(
    caption,
    html`<table class="${className}">
<caption>${caption}</caption>
<thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>
${rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cell}</td>`)}</tr>\n`)}</tbody>
</table>`,
  );
}

/** A code value, shown as code. */
export function code(text: string | undefined): Html {
  return text === undefined ? html`` : html`<code>${text}</code>`;
}
