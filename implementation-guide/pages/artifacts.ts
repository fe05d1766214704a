import type { Resource } from '@medplum/fhirtypes';
import { html } from '../html.ts';
import type { Html } from '../html.ts';
import type { Page } from '../layout.ts';
import { canonicalOf, labelOf, pageOf } from '../load.ts';
import type { Catalog } from '../load.ts';
import { renderInlineMarkdown } from '../markdown.ts';
import { table } from './common.ts';

/** The first sentence of a description: enough for an index. */
function summary(text: string | undefined): string {
  if (!text) {
    return '';
  }
  const match = /^(.+?[.!?])(\s|$)/s.exec(text);
  return (match ? match[1] : text).replace(/\s+/g, ' ');
}

function descriptionOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Basic') {
    return resource.extension?.find((e) => e.url.endsWith('SubscriptionTopic.description'))?.valueMarkdown;
  }
  return (resource as { description?: string }).description;
}

function section(id: string, title: string, intro: string, resources: Resource[], extra?: (r: Resource) => Html | string): Html {
  const headers = extra ? ['Name', 'Type', 'Description'] : ['Name', 'Description'];
  const rows = resources.map((r) => [
    html`<a href="${pageOf(r)}">${labelOf(r)}</a><br><code class="url">${canonicalOf(r) ?? ''}</code>`,
    ...(extra ? [extra(r)] : []),
    renderInlineMarkdown(summary(descriptionOf(r))),
  ]);
  return html`<section aria-labelledby="${id}">
<h2 id="${id}">${title}</h2>
<p>${intro}</p>
${table(title, headers, rows)}
</section>`;
}

/** Every artifact of the guide, by kind, as the IG Publisher's artifacts summary lists them. */
export function artifactsPage(catalog: Catalog): Page {
  const typeOf = (r: Resource) => (r.resourceType === 'StructureDefinition' ? (r.type ?? '') : '');
  const sections = [
    section('profiles', 'Profiles', 'Constraints on FHIR resources and data types for Norwegian welfare technology.', catalog.profiles, typeOf),
    section('extensions', 'Extensions', 'Elements FHIR R4 does not have, defined by this guide.', catalog.extensions),
    section('codesystems', 'Code systems', 'Code systems defined here, most at the official URI of the national hub (VKP) or Volven.', catalog.codeSystems),
    section('valuesets', 'Value sets', 'The sets of codes the profiles bind to.', catalog.valueSets),
    section('searchparameters', 'Search parameters', 'Search parameters the server supports beyond those of FHIR R4.', catalog.searchParameters, (r) =>
      r.resourceType === 'SearchParameter' ? (r.base ?? []).join(', ') : '',
    ),
    section('topics', 'Subscription topics', 'What an EPJ (electronic patient record system) can subscribe to.', catalog.topics),
    section('operations', 'Operations', 'Operations beyond those of FHIR R4.', catalog.operations),
  ];
  const examples = catalog.examples.map((e) => [
    html`<a href="${pageOf(e.resource)}">${e.name}</a>`,
    e.resource.resourceType,
    e.description ?? '',
  ]);
  const body = html`<h1>Artifacts</h1>
<p>Everything this guide defines, by kind. All of them are in the <a href="downloads.html">downloads</a>.</p>
<nav class="page-toc" aria-label="On this page"><ul>
<li><a href="#profiles">Profiles</a></li><li><a href="#extensions">Extensions</a></li><li><a href="#codesystems">Code systems</a></li>
<li><a href="#valuesets">Value sets</a></li><li><a href="#searchparameters">Search parameters</a></li><li><a href="#topics">Subscription topics</a></li>
<li><a href="#operations">Operations</a></li><li><a href="#examples">Examples</a></li></ul></nav>
${sections}
<section aria-labelledby="examples">
<h2 id="examples">Examples</h2>
${table('Examples', ['Name', 'Type', 'Description'], examples)}
</section>`;
  return { file: 'artifacts.html', title: 'Artifacts', section: 'artifacts', body };
}
