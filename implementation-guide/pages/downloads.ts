import type { Bundle, Resource } from '@medplum/fhirtypes';
import { html } from '../html.ts';
import type { Page } from '../layout.ts';
import type { Catalog } from '../load.ts';

/** A file the downloads page offers, written beside the pages. */
export interface Download {
  file: string;
  content: string;
}

function collection(id: string, resources: Resource[]): Bundle {
  return { resourceType: 'Bundle', id, type: 'collection', entry: resources.map((resource) => ({ resource })) };
}

/** The definitions and the examples, each as one Bundle of JSON. */
export function downloads(catalog: Catalog): Download[] {
  const definitions: Resource[] = [
    ...(catalog.guide ? [catalog.guide] : []),
    ...catalog.profiles,
    ...catalog.extensions,
    ...catalog.codeSystems,
    ...catalog.valueSets,
    ...catalog.searchParameters,
    ...catalog.operations,
    ...catalog.topics,
  ];
  return [
    { file: 'definitions.json', content: `${JSON.stringify(collection('definitions', definitions), null, 2)}\n` },
    { file: 'examples.json', content: `${JSON.stringify(collection('examples', catalog.examples.map((e) => e.resource)), null, 2)}\n` },
  ];
}

/** The downloads page. */
export function downloadsPage(catalog: Catalog): Page {
  const count = catalog.profiles.length + catalog.extensions.length + catalog.codeSystems.length + catalog.valueSets.length +
    catalog.searchParameters.length + catalog.operations.length + catalog.topics.length + (catalog.guide ? 1 : 0);
  const body = html`<h1>Downloads</h1>
<ul>
<li><a href="definitions.json" download>definitions.json</a>: every definition of this guide (${count} resources: profiles, extensions, code systems, value sets, search parameters, operations, subscription topics and the ImplementationGuide resource), as one FHIR Bundle of type <code>collection</code>.</li>
<li><a href="examples.json" download>examples.json</a>: every example (${catalog.examples.length}), as one Bundle.</li>
</ul>
<p>The server also serves every definition over its FHIR API (for example <code>GET /fhir/StructureDefinition</code>).</p>`;
  return { file: 'downloads.html', title: 'Downloads', section: 'downloads', body };
}
