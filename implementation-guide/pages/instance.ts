import type { OperationDefinition } from '@medplum/fhirtypes';
import { html } from '../html.ts';
import type { Page } from '../layout.ts';
import { canonicalLink, coreTypeHref } from '../links.ts';
import { labelOf, pageOf } from '../load.ts';
import type { Catalog, Example } from '../load.ts';
import { renderInlineMarkdown, renderMarkdown } from '../markdown.ts';
import { code, jsonSection, metadataTable, table } from './common.ts';

/** An example instance: what it shows, the profiles it conforms to, and its JSON. */
export function examplePage(catalog: Catalog, example: Example): Page {
  const { resource } = example;
  const body = html`<h1>${example.name}</h1>
<p class="kind">Example · ${resource.resourceType}</p>
${example.description ? html`<p>${example.description}</p>` : ''}
${metadataTable([
  ['Resource', html`<a href="${coreTypeHref(resource.resourceType)}">${resource.resourceType}</a>/${resource.id}`],
  ['Profiles', example.profiles.length > 0 ? html`${example.profiles.map((p, i) => html`${i > 0 ? ', ' : ''}${canonicalLink(catalog, p)}`)}` : undefined],
])}
${jsonSection(resource, true)}`;
  return { file: pageOf(resource), title: example.name, section: 'artifacts', body };
}

/** An operation: where it is invoked and its parameters. */
export function operationPage(_catalog: Catalog, op: OperationDefinition): Page {
  const levels = [op.system ? '[base]' : '', op.type ? `[base]/[type]` : '', op.instance ? '[base]/[type]/[id]' : ''].filter(Boolean);
  const rows = (op.parameter ?? []).map((p) => [
    code(p.name),
    p.use,
    `${p.min}..${p.max}`,
    p.type ? html`<a href="${coreTypeHref(p.type)}">${p.type}</a>` : '',
    renderInlineMarkdown(p.documentation),
  ]);
  const body = html`<h1>${labelOf(op)}</h1>
<p class="kind">Operation · ${op.status}</p>
${renderMarkdown(op.description)}
${metadataTable([
  ['Invoke as', html`${levels.map((l, i) => html`${i > 0 ? ', ' : ''}<code>${l}/$${op.code}</code>`)}`],
  ['Resources', (op.resource ?? []).join(', ')],
  ['Canonical URL', code(op.url)],
])}
<section aria-labelledby="parameters">
<h2 id="parameters">Parameters</h2>
${table(`Parameters of $${op.code}`, ['Name', 'Use', 'Card.', 'Type', 'Documentation'], rows)}
</section>
${jsonSection(op)}`;
  return { file: pageOf(op), title: labelOf(op), section: 'artifacts', body };
}
