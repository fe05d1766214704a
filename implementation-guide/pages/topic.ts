import type { Basic, Extension } from '@medplum/fhirtypes';
import { html } from '../html.ts';
import type { Html } from '../html.ts';
import type { Page } from '../layout.ts';
import { coreTypeHref } from '../links.ts';
import { canonicalOf, labelOf, pageOf } from '../load.ts';
import type { Catalog } from '../load.ts';
import { renderInlineMarkdown, renderMarkdown } from '../markdown.ts';
import { code, jsonSection, metadataTable, table } from './common.ts';

const TOPIC = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.';

/** The value of an extension, whatever its type. */
function valueOf(ext: Extension): string | undefined {
  const entry = Object.entries(ext).find(([key]) => key.startsWith('value'));
  return entry === undefined ? undefined : String(entry[1]);
}

function parts(ext: Extension, name: string): string[] {
  return (ext.extension ?? []).filter((e) => e.url === name).map(valueOf).filter((v): v is string => v !== undefined);
}

function first(ext: Extension, name: string): string | undefined {
  return parts(ext, name)[0];
}

function resourceLink(value: string | undefined): Html {
  if (!value) {
    return html``;
  }
  const type = value.replace(/^.*\//, '');
  return html`<a href="${coreTypeHref(type)}">${type}</a>`;
}

/**
 * A subscription topic. R4 has no SubscriptionTopic, so the Subscriptions R5 Backport IG carries each
 * as a Basic resource with cross-version extensions; this page reads them back as a topic.
 */
export function topicPage(_catalog: Catalog, topic: Basic): Page {
  const all = topic.extension ?? [];
  const top = (name: string) => all.filter((e) => e.url === `${TOPIC}${name}`);
  const single = (name: string) => top(name).map(valueOf)[0];
  const triggers = top('resourceTrigger').map((t) => [
    resourceLink(first(t, 'resource')),
    parts(t, 'supportedInteraction').join(', '),
    code(first(t, 'fhirPathCriteria')),
    renderInlineMarkdown(first(t, 'description')),
  ]);
  const filters = top('canFilterBy').map((f) => [
    code(first(f, 'filterParameter')),
    resourceLink(first(f, 'resource')),
    parts(f, 'modifier').join(', '),
    renderInlineMarkdown(first(f, 'description')),
  ]);
  const shapes = top('notificationShape').map((s) => [
    resourceLink(first(s, 'resource')),
    html`${parts(s, 'include').map((i, n) => html`${n > 0 ? ', ' : ''}<code>${i}</code>`)}`,
    html`${parts(s, 'revInclude').map((i, n) => html`${n > 0 ? ', ' : ''}<code>${i}</code>`)}`,
  ]);
  const body = html`<h1>${labelOf(topic)}</h1>
<p class="kind">Subscription topic · ${topic.modifierExtension?.find((e) => e.url.endsWith('artifact-status'))?.valueCode ?? ''}</p>
${renderMarkdown(single('description'))}
${metadataTable([
  ['Topic URL', code(canonicalOf(topic))],
  ['Name', single('name')],
  ['Version', single('version')],
  ['Subscribe with', html`a Subscription whose <code>criteria</code> is <code>${canonicalOf(topic) ?? ''}</code> (Subscriptions R5 Backport IG)`],
])}
<section aria-labelledby="triggers">
<h2 id="triggers">Triggers</h2>
${table(`What triggers ${labelOf(topic)}`, ['Resource', 'Interactions', 'Criteria', 'Description'], triggers)}
</section>
<section aria-labelledby="filters">
<h2 id="filters">Filters</h2>
${filters.length > 0 ? table(`Filters of ${labelOf(topic)}`, ['Filter parameter', 'Resource', 'Modifiers', 'Description'], filters) : html`<p>No filters.</p>`}
</section>
<section aria-labelledby="shape">
<h2 id="shape">Notification shape</h2>
${shapes.length > 0 ? table(`What a notification of ${labelOf(topic)} carries`, ['Resource', 'Includes', 'Reverse includes'], shapes) : html`<p>Not stated.</p>`}
</section>
${jsonSection(topic)}`;
  return { file: pageOf(topic), title: labelOf(topic), section: 'artifacts', body };
}
