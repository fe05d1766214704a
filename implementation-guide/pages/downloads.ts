import type { Bundle, Resource } from '@medplum/fhirtypes';
import { readGuideConfig } from '../guide-config.ts';
import { codeBlock } from '../highlight.ts';
import { html, raw } from '../html.ts';
import type { Page } from '../layout.ts';
import type { Catalog } from '../load.ts';
import { definitionsOf } from '../load.ts';
import { packageArchive } from '../package.ts';

/** A file the downloads page offers, written beside the pages: text, or bytes (the package archive). */
export interface Download {
  file: string;
  content: string | Uint8Array;
}

/** The file name of the guide's FHIR package. */
export const PACKAGE_FILE = 'package.tgz';

function collection(id: string, resources: Resource[]): Bundle {
  return { resourceType: 'Bundle', id, type: 'collection', entry: resources.map((resource) => ({ resource })) };
}

/** The FHIR package, then the definitions and the examples, each as one Bundle of JSON. */
export function downloads(catalog: Catalog): Download[] {
  const definitions = definitionsOf(catalog);
  return [
    { file: PACKAGE_FILE, content: packageArchive(catalog) },
    { file: 'definitions.json', content: `${JSON.stringify(collection('definitions', definitions), null, 2)}\n` },
    { file: 'examples.json', content: `${JSON.stringify(collection('examples', catalog.examples.map((e) => e.resource)), null, 2)}\n` },
  ];
}

/** The downloads page. */
export function downloadsPage(catalog: Catalog): Page {
  const config = readGuideConfig();
  const id = `${config.id}#${config.version}`;
  const count = definitionsOf(catalog).length;
  const cache = `mkdir -p ~/.fhir/packages/${id}\ntar -xzf ${PACKAGE_FILE} -C ~/.fhir/packages/${id}`;
  const sushi = `dependencies:\n  ${config.id}: ${config.version}`;
  // The alarm profile is the guide's best-known; any profile serves as the example.
  const parent = catalog.profiles.find((p) => p.id === 'wt-detectedissue') ?? catalog.profiles[0];
  const fsh = parent && `Profile: My${parent.type}\nParent: ${parent.url}\n* implicitRules 0..0`;
  const body = html`<h1>Downloads</h1>
<section aria-labelledby="package">
<h2 id="package">FHIR package</h2>
<p><a href="${PACKAGE_FILE}" download>${PACKAGE_FILE}</a>: this guide as a FHIR NPM package, <code>${id}</code> (FHIR ${config.fhirVersions.join(', ')}): every definition, the examples under <code>example/</code>, and an <code>.index.json</code> in each folder. It is what FHIR tools load a guide from.</p>
<h3 id="package-sushi">As a SUSHI dependency</h3>
<p>SUSHI, the IG Publisher and the HL7 validator look for packages in the FHIR package cache in your home folder. Unpack the package there, under its name and version:</p>
${raw(codeBlock(cache, 'bash'))}
<p>Then name it in your project's <code>sushi-config.yaml</code>:</p>
${raw(codeBlock(sushi, 'yaml'))}
${fsh && html`<p>and derive from its profiles by their canonical URL, for example:</p>
${raw(codeBlock(fsh, 'fsh'))}`}
<p>Until the package is published to a FHIR package registry, SUSHI cannot download it itself: without the unpacked copy in the cache it reports that it cannot load <code>${id}</code>.</p>
<h3 id="package-tools">In other tools</h3>
<ul>
<li>The HL7 FHIR validator takes the archive directly: <code>java -jar validator_cli.jar resource.json -version 4.0.1 -ig ${PACKAGE_FILE}</code>.</li>
<li>Tools that read the FHIR package cache (the IG Publisher among them) find it once unpacked as above; an IG Publisher guide names it in the <code>dependsOn</code> of its ImplementationGuide resource, with <code>packageId</code> <code>${config.id}</code> and <code>version</code> <code>${config.version}</code>.</li>
<li>Anything else can read the archive as a tarball: <code>package/package.json</code> is the manifest, and <code>package/.index.json</code> lists each resource with its type, id and canonical URL.</li>
</ul>
</section>
<section aria-labelledby="json-downloads">
<h2 id="json-downloads">JSON</h2>
<ul>
<li><a href="definitions.json" download>definitions.json</a>: every definition of this guide (${count} resources: profiles, extensions, code systems, value sets, search parameters, operations, subscription topics and the ImplementationGuide resource), as one FHIR Bundle of type <code>collection</code>.</li>
<li><a href="examples.json" download>examples.json</a>: every example (${catalog.examples.length}), as one Bundle.</li>
</ul>
<p>The server also serves every definition over its FHIR API (for example <code>GET /fhir/StructureDefinition</code>).</p>
</section>`;
  return { file: 'downloads.html', title: 'Downloads', section: 'downloads', body };
}
