import type { SearchParameter } from '@medplum/fhirtypes';
import { html } from '../html.ts';
import type { Page } from '../layout.ts';
import { coreTypeHref } from '../links.ts';
import { labelOf, pageOf } from '../load.ts';
import type { Catalog } from '../load.ts';
import { renderMarkdown } from '../markdown.ts';
import { code, jsonSection, metadataTable } from './common.ts';

/** A custom search parameter: what to put in the query string, on which resources, and how it is found. */
export function searchParameterPage(_catalog: Catalog, sp: SearchParameter): Page {
  const list = (values: string[] | undefined) =>
    values && values.length > 0 ? html`${values.map((v, i) => html`${i > 0 ? ', ' : ''}<code>${v}</code>`)}` : undefined;
  const body = html`<h1>${labelOf(sp)}</h1>
<p class="kind">Search parameter · ${sp.status}</p>
${renderMarkdown(sp.description)}
${metadataTable([
  ['Code', html`<code>${sp.code}</code> (for example <code>GET [base]/${sp.base?.[0] ?? 'Resource'}?${sp.code}=…</code>)`],
  ['Base', html`${(sp.base ?? []).map((b, i) => html`${i > 0 ? ', ' : ''}<a href="${coreTypeHref(b)}">${b}</a>`)}`],
  ['Type', sp.type],
  ['Expression', code(sp.expression)],
  ['Targets', list(sp.target)],
  ['Modifiers', list(sp.modifier)],
  ['Comparators', list(sp.comparator)],
  ['Canonical URL', code(sp.url)],
])}
${jsonSection(sp)}`;
  return { file: pageOf(sp), title: labelOf(sp), section: 'artifacts', body };
}
