import type { CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import { Terminology } from '../../server/validation/terminology.ts';
import { html } from '../html.ts';
import type { Html } from '../html.ts';
import type { Page } from '../layout.ts';
import { canonicalHref, canonicalLink } from '../links.ts';
import { labelOf, pageOf } from '../load.ts';
import type { Catalog } from '../load.ts';
import { renderInlineMarkdown, renderMarkdown } from '../markdown.ts';
import { code, jsonSection, metadataTable, table } from './common.ts';

/** Anchor of a code on its code system page. */
export function conceptAnchor(code: string): string {
  return `code-${code.replace(/[^\w-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;
}

function flatten(concepts: CodeSystemConcept[], level = 1): { concept: CodeSystemConcept; level: number }[] {
  return concepts.flatMap((concept) => [{ concept, level }, ...flatten(concept.concept ?? [], level + 1)]);
}

/** Where a value set or profile binding uses something: the value sets built on a code system. */
function valueSetsUsing(catalog: Catalog, system: string): ValueSet[] {
  return catalog.valueSets.filter((vs) =>
    [...(vs.compose?.include ?? []), ...(vs.compose?.exclude ?? [])].some((inc) => inc.system === system),
  );
}

/** A code system: its properties and every code, with its level in the hierarchy. */
export function codeSystemPage(catalog: Catalog, cs: CodeSystem): Page {
  const rows = flatten(cs.concept ?? []).map(({ concept, level }) => [
    String(level),
    html`<span class="level" style="--depth:${level - 1}" id="${conceptAnchor(concept.code ?? '')}"><code>${concept.code}</code></span>`,
    concept.display ?? '',
    renderInlineMarkdown(concept.definition),
  ]);
  const users = valueSetsUsing(catalog, cs.url ?? '');
  const body = html`<h1>${labelOf(cs)}</h1>
<p class="kind">Code system · ${cs.status}</p>
${renderMarkdown(cs.description)}
${metadataTable([
  ['Canonical URL', code(cs.url)],
  ['Name', cs.name],
  ['Version', cs.version],
  ['Publisher', cs.publisher],
  ['Content', cs.content],
  ['Hierarchy', cs.hierarchyMeaning],
  ['Case-sensitive', cs.caseSensitive === undefined ? undefined : cs.caseSensitive ? 'Yes' : 'No'],
  ['Number of codes', String(cs.count ?? flatten(cs.concept ?? []).length)],
  ['Value sets', users.length > 0 ? html`${users.map((vs, i) => html`${i > 0 ? ', ' : ''}<a href="${pageOf(vs)}">${labelOf(vs)}</a>`)}` : undefined],
])}
<section aria-labelledby="concepts">
<h2 id="concepts">Codes</h2>
${table(`Codes of ${cs.name}`, ['Level', 'Code', 'Display', 'Definition'], rows, 'list concepts')}
</section>
${jsonSection(cs)}`;
  return { file: pageOf(cs), title: labelOf(cs), section: 'artifacts', body };
}

function ruleText(catalog: Catalog, inc: ValueSetComposeInclude): Html {
  const parts: Html[] = [];
  if (inc.system) {
    const what = inc.concept ? `${inc.concept.length} code${inc.concept.length === 1 ? '' : 's'} from` : inc.filter ? 'Codes from' : 'All codes from';
    parts.push(html`${what} ${canonicalLink(catalog, inc.system, inc.system)}${inc.version ? ` version ${inc.version}` : ''}`);
  }
  for (const f of inc.filter ?? []) {
    parts.push(html` where <code>${f.property}</code> ${f.op} <code>${f.value}</code>`);
  }
  for (const vs of inc.valueSet ?? []) {
    parts.push(html`${parts.length > 0 ? ' and in ' : 'Codes in '}${canonicalLink(catalog, vs)}`);
  }
  return html`${parts}`;
}

let terminology: Terminology | undefined;
let terminologyOf: Catalog | undefined;

/** The server's own value set expansion over our code systems and value sets. */
function terminologyFor(catalog: Catalog): Terminology {
  if (!terminology || terminologyOf !== catalog) {
    terminology = new Terminology();
    terminologyOf = catalog;
    for (const r of [...catalog.codeSystems, ...catalog.valueSets]) {
      terminology.add(r);
    }
  }
  return terminology;
}

function displayOf(catalog: Catalog, system: string, codeValue: string, vs: ValueSet): string {
  for (const inc of vs.compose?.include ?? []) {
    const found = inc.system === system ? inc.concept?.find((c) => c.code === codeValue) : undefined;
    if (found?.display) {
      return found.display;
    }
  }
  const cs = catalog.codeSystems.find((c) => c.url === system);
  return (cs ? flatten(cs.concept ?? []).find((c) => c.concept.code === codeValue)?.concept.display : undefined) ?? '';
}

/** Where a StructureDefinition binds to a value set. */
function bindingsTo(catalog: Catalog, url: string): { page: string; label: string; path: string; strength: string }[] {
  const out: { page: string; label: string; path: string; strength: string }[] = [];
  for (const sd of [...catalog.profiles, ...catalog.extensions]) {
    for (const e of sd.differential?.element ?? []) {
      if (e.binding?.valueSet?.split('|')[0] === url) {
        out.push({ page: pageOf(sd), label: labelOf(sd), path: e.id ?? e.path ?? '', strength: e.binding.strength ?? '' });
      }
    }
  }
  return out;
}

/** A value set: its rules, its codes where they can be listed, and where it is bound. */
export function valueSetPage(catalog: Catalog, vs: ValueSet): Page {
  const rules = [
    ...(vs.compose?.include ?? []).map((inc) => ['Include', ruleText(catalog, inc)] as [string, Html]),
    ...(vs.compose?.exclude ?? []).map((inc) => ['Exclude', ruleText(catalog, inc)] as [string, Html]),
  ];
  const expansion = terminologyFor(catalog).codeSet(vs.url ?? '');
  const codeRows: (string | Html)[][] = [];
  const open: string[] = [];
  for (const [system, codes] of expansion ?? []) {
    if (codes === 'any') {
      open.push(system);
      continue;
    }
    const href = canonicalHref(catalog, system);
    for (const c of [...codes].sort((a, b) => a.localeCompare(b, 'nb', { numeric: true }))) {
      const local = catalog.codeSystems.some((cs) => cs.url === system);
      codeRows.push([
        html`<code>${system}</code>`,
        local && href ? html`<a href="${href}#${conceptAnchor(c)}"><code>${c}</code></a>` : html`<code>${c}</code>`,
        displayOf(catalog, system, c, vs),
      ]);
    }
  }
  const bindings = bindingsTo(catalog, vs.url ?? '');
  const body = html`<h1>${labelOf(vs)}</h1>
<p class="kind">Value set · ${vs.status}</p>
${renderMarkdown(vs.description)}
${metadataTable([
  ['Canonical URL', code(vs.url)],
  ['Name', vs.name],
  ['Version', vs.version],
])}
<section aria-labelledby="rules">
<h2 id="rules">Logical definition</h2>
${table(`Rules of ${vs.name}`, ['Rule', 'Codes'], rules)}
</section>
<section aria-labelledby="expansion">
<h2 id="expansion">Codes</h2>
${codeRows.length > 0 ? table(`Codes in ${vs.name}`, ['System', 'Code', 'Display'], codeRows) : ''}
${open.length > 0 ? html`<p>Also every code of ${open.map((s, i) => html`${i > 0 ? ', ' : ''}${canonicalLink(catalog, s, s)}`)}: too many to list here, checked by system.</p>` : ''}
${!expansion ? html`<p>This value set cannot be expanded from the definitions in this guide.</p>` : ''}
</section>
<section aria-labelledby="usage">
<h2 id="usage">Bound in</h2>
${bindings.length > 0 ? table(`Bindings to ${vs.name}`, ['Profile', 'Element', 'Strength'], bindings.map((b) => [html`<a href="${b.page}">${b.label}</a>`, code(b.path), b.strength])) : html`<p>No profile of this guide binds to it.</p>`}
</section>
${jsonSection(vs)}`;
  return { file: pageOf(vs), title: labelOf(vs), section: 'artifacts', body };
}
