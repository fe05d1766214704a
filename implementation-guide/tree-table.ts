/**
 * The tree tables of a StructureDefinition, in the HL7 IG Publisher's conventions: columns
 * Name | Flags | Card. | Type | Description & Constraints; flags ?! (modifier), S (must support),
 * Σ (in the summary), C (has constraints). Three views: the differential (what this profile changes,
 * with the ancestors it needs shown greyed, and every property it inherits unchanged greyed), the
 * snapshot (every element), and must-support (the must-support elements and their ancestors).
 */
import type { ElementDefinition, ElementDefinitionType, StructureDefinition } from '@medplum/fhirtypes';
import { html } from './html.ts';
import type { Html, HtmlValue } from './html.ts';
import { canonicalLink, coreTypeHref } from './links.ts';
import type { Catalog } from './load.ts';
import { renderInlineMarkdown } from './markdown.ts';
import { scrollRegion } from './scroll-region.ts';

export type TreeView = 'differential' | 'snapshot' | 'must-support';

/** One row of a tree table. */
export interface TreeRow {
  element: ElementDefinition;
  depth: number;
  /** The differential's element at this id, when the profile changes it. */
  changed?: ElementDefinition;
  /** In the differential view: shown only to place a changed descendant in the tree. */
  context: boolean;
}

/** Constraints every element or extension carries; flagging them would put C on every row. */
const UBIQUITOUS_CONSTRAINTS = new Set(['ele-1', 'ext-1']);

/** The id of the element a row hangs under: a slice under its sliced element, a child under its parent. */
export function parentId(id: string): string | undefined {
  const dot = id.lastIndexOf('.');
  const last = id.slice(dot + 1);
  const colon = last.indexOf(':');
  if (colon >= 0) {
    const slash = last.lastIndexOf('/');
    // A re-slice (a:b/c) hangs under its slice (a:b); a slice (a:b) under the sliced element (a).
    return id.slice(0, dot + 1) + last.slice(0, slash > colon ? slash : colon);
  }
  return dot < 0 ? undefined : id.slice(0, dot);
}

function idOf(element: ElementDefinition): string {
  return element.id ?? element.path ?? '';
}

/** The rows of one view, in snapshot order. */
export function treeRows(sd: StructureDefinition, view: TreeView): TreeRow[] {
  const snapshot = sd.snapshot?.element ?? [];
  const differential = new Map((sd.differential?.element ?? []).map((e) => [idOf(e), e]));
  const depth = new Map<string, number>();
  for (const element of snapshot) {
    const parent = parentId(idOf(element));
    depth.set(idOf(element), parent !== undefined && depth.has(parent) ? (depth.get(parent) ?? 0) + 1 : 0);
  }
  let shown: Set<string> | undefined;
  if (view !== 'snapshot') {
    const wanted =
      view === 'differential'
        ? [...differential.keys()]
        : snapshot.filter((e, i) => i === 0 || e.mustSupport).map(idOf);
    shown = new Set();
    for (const id of wanted) {
      for (let at: string | undefined = id; at !== undefined && !shown.has(at); at = parentId(at)) {
        shown.add(at);
      }
    }
    // The root always heads the table.
    if (snapshot[0]) {
      shown.add(idOf(snapshot[0]));
    }
  }
  return snapshot
    .filter((e) => !shown || shown.has(idOf(e)))
    .map((element) => {
      const changed = differential.get(idOf(element));
      return {
        element,
        depth: depth.get(idOf(element)) ?? 0,
        changed,
        context: view === 'differential' && !changed,
      };
    });
}

/** The FHIR type name of a type entry (System.String and friends carry theirs in an extension). */
function typeName(type: ElementDefinitionType): string {
  if (type.code.startsWith('http://hl7.org/fhirpath/System.')) {
    const fhirType = type.extension?.find((e) => e.url.endsWith('structuredefinition-fhir-type'))?.valueUrl;
    return fhirType ?? type.code.slice('http://hl7.org/fhirpath/System.'.length).toLowerCase();
  }
  return type.code;
}

function typeLinks(catalog: Catalog, types: ElementDefinitionType[]): Html {
  const parts = types.map((type) => {
    const name = typeName(type);
    const base = html`<a href="${coreTypeHref(name)}">${name}</a>`;
    const targets = type.targetProfile ?? [];
    if (targets.length > 0) {
      return html`${base}(${targets.map((t, i) => html`${i > 0 ? ' | ' : ''}${canonicalLink(catalog, t)}`)})`;
    }
    const profiles = type.profile ?? [];
    if (profiles.length > 0) {
      return html`${base}(${profiles.map((p, i) => html`${i > 0 ? ' | ' : ''}${canonicalLink(catalog, p)}`)})`;
    }
    return base;
  });
  return html`${parts.map((p, i) => html`${i > 0 ? ', ' : ''}${p}`)}`;
}

/** The value of a fixed[x] or pattern[x] property, if the element has one. */
function valueOf(element: ElementDefinition, prefix: 'fixed' | 'pattern'): [string, unknown] | undefined {
  const entry = Object.entries(element).find(([key]) => key.startsWith(prefix) && key.length > prefix.length);
  return entry;
}

/** Anchor of an invariant in the invariants table. */
export function invariantAnchor(key: string): string {
  return `inv-${key.replace(/[^\w-]/g, '_')}`;
}

interface CellContext {
  catalog: Catalog;
  view: TreeView;
  row: TreeRow;
}

/** In the differential, a property the profile does not change is shown greyed. */
function part(ctx: CellContext, changed: boolean, content: HtmlValue): Html {
  if (ctx.view === 'differential' && !changed) {
    return html`<span class="inherited">${content}</span>`;
  }
  return html`${content}`;
}

/**
 * One flag as the IG Publisher draws it, with its meaning spelled out for screen readers (which would
 * say "S" or "sigma") and in the tooltip for the mouse.
 */
function flag(symbol: string, meaning: string, extraClass = ''): Html {
  return html`<span class="flag${extraClass ? ` ${extraClass}` : ''}" title="${meaning}"><span aria-hidden="true">${symbol}</span><span class="visually-hidden">${meaning}</span></span>`;
}

function flags(ctx: CellContext): Html {
  const { element, changed } = ctx.row;
  const constrained = (element.constraint ?? []).some((c) => !UBIQUITOUS_CONSTRAINTS.has(c.key ?? '')) || (element.condition ?? []).length > 0;
  const list: Html[] = [];
  if (element.isModifier) {
    list.push(part(ctx, changed?.isModifier !== undefined, flag('?!', 'This element is a modifier element')));
  }
  if (element.mustSupport) {
    list.push(part(ctx, changed?.mustSupport !== undefined, flag('S', 'This element must be supported', 'flag-ms')));
  }
  if (element.isSummary) {
    list.push(part(ctx, changed?.isSummary !== undefined, flag('Σ', 'This element is included in summaries')));
  }
  if (constrained) {
    list.push(part(ctx, (changed?.constraint ?? []).length > 0, flag('C', 'This element has or is affected by constraints')));
  }
  return html`${list}`;
}

function description(ctx: CellContext): Html {
  const { catalog, row } = ctx;
  const { element, changed } = row;
  const lines: Html[] = [];
  if (element.short) {
    lines.push(part(ctx, changed?.short !== undefined, renderInlineMarkdown(element.short)));
  }
  if (element.slicing) {
    const s = element.slicing;
    const by = (s.discriminator ?? []).map((d) => `${d.type}:${d.path}`).join(', ');
    const text = `${s.ordered ? 'Ordered' : 'Unordered'}, ${s.rules === 'closed' ? 'Closed' : s.rules === 'openAtEnd' ? 'Open at end' : 'Open'}${by ? ` by ${by}` : ''}`;
    lines.push(part(ctx, changed?.slicing !== undefined, html`<span class="label">Slice:</span> ${text}`));
  }
  if (element.binding) {
    const b = element.binding;
    const target = b.valueSet ? canonicalLink(catalog, b.valueSet) : html`${b.description ?? ''}`;
    lines.push(part(ctx, changed?.binding !== undefined, html`<span class="label">Binding:</span> ${target} (<span class="strength">${b.strength}</span>)`));
  }
  for (const [prefix, label] of [['fixed', 'Fixed value'], ['pattern', 'Required pattern']] as const) {
    const value = valueOf(element, prefix);
    if (value) {
      const changedHere = changed ? valueOf(changed, prefix) !== undefined : false;
      lines.push(part(ctx, changedHere, html`<span class="label">${label}:</span> <code>${JSON.stringify(value[1])}</code>`));
    }
  }
  const keys = (element.constraint ?? []).filter((c) => !UBIQUITOUS_CONSTRAINTS.has(c.key ?? '') && c.key);
  if (keys.length > 0) {
    const changedKeys = new Set((changed?.constraint ?? []).map((c) => c.key));
    lines.push(
      html`<span class="label">Constraints:</span> ${keys.map((c, i) =>
        html`${i > 0 ? ', ' : ''}${part(ctx, changedKeys.has(c.key), html`<a href="#${invariantAnchor(c.key ?? '')}" title="${c.human ?? ''}">${c.key}</a>`)}`,
      )}`,
    );
  }
  return html`${lines.map((l) => html`<div>${l}</div>`)}`;
}

function nameCell(row: TreeRow): Html {
  const id = idOf(row.element);
  const dot = id.lastIndexOf('.');
  const name = dot < 0 ? id : id.slice(dot + 1);
  const removed = row.element.max === '0';
  const text = removed ? html`<s title="Not allowed in this profile">${name}</s>` : html`${name}`;
  return html`<td class="name" style="--depth:${row.depth}"><span class="tree-name" title="${id}">${text}</span></td>`;
}

/** One tree table, as an HTML table with a caption. */
export function renderTreeTable(catalog: Catalog, sd: StructureDefinition, view: TreeView, caption: string): Html {
  const rows = treeRows(sd, view);
  const body = rows.map((row, index) => {
    const ctx: CellContext = { catalog, view, row };
    const { element, changed } = row;
    const type =
      index === 0
        ? sd.baseDefinition
          ? canonicalLink(catalog, sd.baseDefinition)
          : html`${sd.type}`
        : element.contentReference
          ? contentReferenceLink(element.contentReference)
          : typeLinks(catalog, element.type ?? []);
    const card = `${element.min ?? 0}..${element.max ?? '*'}`;
    const classes = [row.context ? 'context' : '', element.max === '0' ? 'removed' : ''].filter(Boolean).join(' ');
    // Only the snapshot rows carry ids: every element is there, once, for contentReference links to land on.
    const rowId = view === 'snapshot' ? html` id="${snapshotRowId(idOf(element))}"` : '';
    return html`<tr${classes ? html` class="${classes}"` : ''}${rowId} data-path="${idOf(element)}">${nameCell(row)}<td class="flags">${flags(ctx)}</td><td class="card">${part(ctx, changed?.min !== undefined || changed?.max !== undefined, card)}</td><td class="type">${part(ctx, changed?.type !== undefined || index === 0, type)}</td><td class="desc">${description(ctx)}</td></tr>\n`;
  });
  return scrollRegion(
    caption,
    html`<table class="tree" data-view="${view}">
<caption>${caption}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Flags</th><th scope="col">Card.</th><th scope="col">Type</th><th scope="col">Description &amp; Constraints</th></tr></thead>
<tbody>
${body}</tbody>
</table>`,
  );
}

function snapshotRowId(elementId: string): string {
  return `snapshot-${elementId}`;
}

/** An element defined as another's (`#Questionnaire.item`): a link to that element's row of the snapshot table. */
function contentReferenceLink(reference: string): Html {
  const path = reference.replace(/^[^#]*#/, '');
  return html`see <a href="#${snapshotRowId(path)}">${path}</a>`;
}
