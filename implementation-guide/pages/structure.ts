import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { html } from '../html.ts';
import type { Html } from '../html.ts';
import type { Page } from '../layout.ts';
import { canonicalLink } from '../links.ts';
import { examplesOf, labelOf, pageOf } from '../load.ts';
import type { Catalog } from '../load.ts';
import { renderMarkdown } from '../markdown.ts';
import { invariantAnchor, renderTreeTable } from '../tree-table.ts';
import { code, jsonSection, metadataTable, table } from './common.ts';

function bindingsSection(catalog: Catalog, sd: StructureDefinition): Html {
  const changed = new Set((sd.differential?.element ?? []).filter((e) => e.binding).map((e) => e.id));
  const rows = (sd.snapshot?.element ?? [])
    .filter((e): e is ElementDefinition & { binding: NonNullable<ElementDefinition['binding']> } => e.binding !== undefined && e.max !== '0')
    .map((e) => [
      code(e.id),
      e.binding.strength,
      e.binding.valueSet ? canonicalLink(catalog, e.binding.valueSet) : e.binding.description ?? '',
      changed.has(e.id) ? 'This profile' : 'Inherited',
    ]);
  return html`<section aria-labelledby="bindings">
<h2 id="bindings">Terminology bindings</h2>
${rows.length > 0 ? table(`Terminology bindings of ${sd.name}`, ['Path', 'Conformance', 'Value set', 'Source'], rows) : html`<p>No bindings.</p>`}
</section>`;
}

function invariantsSection(sd: StructureDefinition): Html {
  const byKey = new Map<string, { paths: string[]; severity?: string; human?: string; expression?: string; source?: string }>();
  for (const element of sd.snapshot?.element ?? []) {
    for (const c of element.constraint ?? []) {
      const key = c.key ?? '';
      const entry = byKey.get(key) ?? { paths: [], severity: c.severity, human: c.human, expression: c.expression, source: c.source };
      entry.paths.push(element.id ?? element.path ?? '');
      byKey.set(key, entry);
    }
  }
  const rows = [...byKey.entries()].map(([key, c]) => [
    html`<span id="${invariantAnchor(key)}">${key}</span>`,
    c.severity ?? '',
    c.paths.length > 6 ? html`<span title="${c.paths.join(', ')}">${c.paths.length} elements</span>` : html`${c.paths.map((p, i) => html`${i > 0 ? ', ' : ''}<code>${p}</code>`)}`,
    c.human ?? '',
    code(c.expression),
    c.source === sd.url ? 'This profile' : c.source ? c.source.replace(/^.*\//, '') : '',
  ]);
  return html`<section aria-labelledby="invariants">
<h2 id="invariants">Constraints</h2>
${table(`Constraints (invariants) of ${sd.name}`, ['Id', 'Grade', 'Path(s)', 'Details', 'Expression', 'Source'], rows)}
</section>`;
}

function examplesSection(catalog: Catalog, sd: StructureDefinition): Html {
  const examples = examplesOf(catalog, sd.url);
  const items = examples.map((e) => html`<li><a href="${pageOf(e.resource)}">${e.name}</a>${e.description ? html` — ${e.description}` : ''}</li>`);
  return html`<section aria-labelledby="examples">
<h2 id="examples">Examples</h2>
${items.length > 0 ? html`<ul>${items}</ul>` : html`<p>No examples of this profile.</p>`}
</section>`;
}

/** The extensions' context of use, and which of our profiles use an extension. */
function extensionUsage(catalog: Catalog, sd: StructureDefinition): Html {
  const contexts = (sd.context ?? []).map((c) => html`<li>${c.type}: <code>${c.expression}</code></li>`);
  const users = [...catalog.profiles, ...catalog.extensions].filter((other) =>
    (other.differential?.element ?? []).some((e) => (e.type ?? []).some((t) => (t.profile ?? []).includes(sd.url))),
  );
  return html`<section aria-labelledby="context">
<h2 id="context">Context of use</h2>
${contexts.length > 0 ? html`<ul>${contexts}</ul>` : html`<p>Any element.</p>`}
<h3>Used by</h3>
${users.length > 0 ? html`<ul>${users.map((u) => html`<li><a href="${pageOf(u)}">${labelOf(u)}</a></li>`)}</ul>` : html`<p>No profile of this guide uses it yet.</p>`}
</section>`;
}

/** The page of a profile or an extension, with the sections of the IG Publisher's profile layout. */
export function structurePage(catalog: Catalog, sd: StructureDefinition): Page {
  const isExtension = sd.type === 'Extension';
  const kind = isExtension ? 'Extension' : 'Profile';
  const official = (sd.identifier ?? []).map((i) => i.value).filter(Boolean) as string[];
  const views: [string, string, 'differential' | 'snapshot' | 'must-support'][] = [
    ['differential', 'Differential table', 'differential'],
    ['snapshot', 'Snapshot table', 'snapshot'],
    ['must-support', 'Snapshot table (must support)', 'must-support'],
  ];
  const toc = [
    ...views.map(([id, title]) => [id, title]),
    ['bindings', 'Terminology bindings'],
    ['invariants', 'Constraints'],
    ...(isExtension ? [['context', 'Context of use']] : [['examples', 'Examples']]),
    ['json', 'JSON'],
  ];
  const body = html`<h1>${labelOf(sd)}</h1>
<p class="kind">${kind} · ${sd.status}</p>
${renderMarkdown(sd.description)}
${metadataTable([
  ['Canonical URL', code(sd.url)],
  ['Name', sd.name],
  ['Version', sd.version],
  [isExtension ? 'Extends' : 'Profile of', sd.baseDefinition ? canonicalLink(catalog, sd.baseDefinition) : sd.type],
  ['Stands in for', official.length > 0 ? html`${official.map((o, i) => html`${i > 0 ? ', ' : ''}<code>${o}</code>`)}` : undefined],
  ['Default profile', (sd.keyword ?? []).some((k) => k.code === 'default-for-type') ? `Yes, for every ${sd.type} written to the server` : undefined],
])}
<nav class="page-toc" aria-label="On this page"><ul>${toc.map(([id, title]) => html`<li><a href="#${id}">${title}</a></li>`)}</ul></nav>
<section aria-labelledby="views">
<h2 id="views">Formal views of profile content</h2>
<p class="legend">Flags: <span class="flag">?!</span> modifier, <span class="flag">S</span> must support, <span class="flag">Σ</span> in summaries, <span class="flag">C</span> has constraints. In the differential, <span class="inherited">greyed</span> text is inherited unchanged from the base; rows in grey only place the changed elements in the tree.</p>
${views.map(([id, title, view]) => html`<h3 id="${id}">${title}</h3>
${renderTreeTable(catalog, sd, view, `${title} of ${sd.name}`)}`)}
</section>
${bindingsSection(catalog, sd)}
${invariantsSection(sd)}
${isExtension ? extensionUsage(catalog, sd) : examplesSection(catalog, sd)}
${jsonSection(sd)}`;
  return { file: pageOf(sd), title: labelOf(sd), section: 'artifacts', body };
}
