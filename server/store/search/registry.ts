import { getSearchParameterDetails, getSearchParameters, parseFhirPath, SearchParameterType } from '@medplum/core';
import type { FhirPathAtom, SearchParameterDetails } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import type { Database } from '../db/database.ts';
import { getResourceTypes } from '../../fhir/definitions.ts';
import { TEXT_PARAM_DETAILS, TEXT_PARAMS, textParamDefinitions } from './text.ts';

/** The index table a search parameter's values are kept in. */
export type IndexTable = 'token' | 'string' | 'date' | 'reference' | 'uri' | 'number' | 'quantity' | 'composite' | 'text';

/** The table kinds a composite's second component may have (its first is always a token in R4). */
export type CompositePartTable = 'token' | 'string' | 'date' | 'reference' | 'quantity';

/** One component of a composite parameter: the parameter it borrows its type from and its expression, relative to the composite's. */
export interface CompositeComponent {
  /** The parameter whose kind the component's values have (its table), as its definition names it. */
  param: IndexedParam;
  expression: FhirPathAtom;
}

/** One search parameter of one resource type, as the store indexes and queries it. */
export interface IndexedParam {
  /** Small integer id, unique per (resource type, code), stored on every index row. */
  id: number;
  code: string;
  resourceType: string;
  definition: SearchParameter;
  details: SearchParameterDetails;
  /** Where its values live; undefined for types not indexed (special parameters). */
  table?: IndexTable;
  /** For a composite: its two components (a token, then a token, string, date, reference or quantity). */
  components?: [CompositeComponent, CompositeComponent];
  /** Defined by a SearchParameter resource (profiles/search, or created at run time), not by FHIR R4. */
  custom?: boolean;
}

/** A parameter a SearchParameter resource defines, with its id in `search_param` for each base type. */
export interface CustomParamEntry {
  definition: SearchParameter;
  table: IndexTable;
  ids: ReadonlyMap<string, number>;
}

/** Parameters answered from columns of the resource table, not from index tables. */
export const COLUMN_PARAMS = new Set(['_id', '_lastUpdated']);

/**
 * The R4 parameters every resource has. Medplum defines them per type without a url (beside its
 * own `_project` and `_compartment`, which are not FHIR and are left out).
 */
const RESOURCE_PARAMS: Record<string, string> = {
  _id: 'http://hl7.org/fhir/SearchParameter/Resource-id',
  _lastUpdated: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated',
  _profile: 'http://hl7.org/fhir/SearchParameter/Resource-profile',
  _security: 'http://hl7.org/fhir/SearchParameter/Resource-security',
  _source: 'http://hl7.org/fhir/SearchParameter/Resource-source',
  _tag: 'http://hl7.org/fhir/SearchParameter/Resource-tag',
};

/** The index table of each SearchParameter type the store indexes. */
export const TABLE_BY_TYPE: Record<string, IndexTable> = {
  composite: 'composite',
  token: 'token',
  string: 'string',
  date: 'date',
  reference: 'reference',
  uri: 'uri',
  number: 'number',
  quantity: 'quantity',
};

/**
 * The search parameters of every resource type with their database ids. Only HL7 base
 * parameters are taken from Medplum's definitions (Medplum adds its own, such as `_project`).
 */
/** The terminology token searches with :in, :not-in, :below and :above consult (validation/terminology.ts). */
export interface CodeSets {
  codeSet(valueSetUrl: string): ReadonlyMap<string, ReadonlySet<string> | 'any'> | undefined;
  descendants(system: string, code: string): string[] | undefined;
  ancestors(system: string, code: string): string[] | undefined;
}

export class SearchParamRegistry {
  private readonly byType = new Map<string, Map<string, IndexedParam>>();
  /** Value sets and code hierarchies for terminology modifiers; without them those modifiers are a 400. */
  codeSets?: CodeSets;

  /** Loads the definitions and makes sure each parameter has an id in `search_param`. */
  static async load(db: Database): Promise<SearchParamRegistry> {
    const registry = new SearchParamRegistry();
    const wanted: { resourceType: string; code: string; type: string; url: string; definition: SearchParameter }[] = [];
    for (const resourceType of getResourceTypes()) {
      for (const [code, definition] of Object.entries(getSearchParameters(resourceType) ?? {})) {
        const url = definition.url ?? RESOURCE_PARAMS[code];
        if (!url?.startsWith('http://hl7.org/fhir/SearchParameter/')) {
          continue;
        }
        wanted.push({ resourceType, code, type: definition.type as string, url, definition: { ...definition, url } });
      }
      wanted.push(...textParamDefinitions(resourceType));
    }
    await db.query(
      `INSERT INTO search_param (resource_type, code, type, url)
       SELECT x.resource_type, x.code, x.type, x.url
       FROM jsonb_to_recordset($1::text::jsonb) AS x(resource_type text, code text, type text, url text)
       ON CONFLICT (resource_type, code) DO NOTHING`,
      [JSON.stringify(wanted.map(({ resourceType, code, type, url }) => ({ resource_type: resourceType, code, type, url })))]
    );
    const rows = await db.query<{ id: number; resource_type: string; code: string }>(
      'SELECT id, resource_type, code FROM search_param'
    );
    const ids = new Map(rows.map((r) => [`${r.resource_type}/${r.code}`, Number(r.id)]));
    for (const w of wanted) {
      const id = ids.get(`${w.resourceType}/${w.code}`);
      if (id === undefined) {
        throw new Error(`search parameter ${w.resourceType}.${w.code} has no id`);
      }
      let params = registry.byType.get(w.resourceType);
      if (!params) {
        params = new Map();
        registry.byType.set(w.resourceType, params);
      }
      params.set(w.code, {
        id,
        code: w.code,
        resourceType: w.resourceType,
        definition: w.definition,
        ...(TEXT_PARAMS[w.code]
          ? { details: TEXT_PARAM_DETAILS, table: 'text' as const }
          : { details: getSearchParameterDetails(w.resourceType, w.definition), table: COLUMN_PARAMS.has(w.code) ? undefined : TABLE_BY_TYPE[w.type] }),
      });
    }
    for (const params of registry.byType.values()) {
      for (const param of params.values()) {
        if (param.table === 'composite') {
          const components = compositeComponents(param, params);
          param.table = components ? 'composite' : undefined;
          param.components = components;
          // Medplum keeps only the last path of a union (`Observation | Observation.component`): a
          // combo composite must see the resource's own code and value too.
          if (components && param.definition.expression) {
            param.details = { ...param.details, parsedExpression: parseFhirPath(param.definition.expression) };
          }
        }
      }
    }
    return registry;
  }

  /**
   * Replaces the parameters SearchParameter resources define (custom-params.ts): those no longer
   * given are gone, changed ones take their new expression. Bumps `generation`.
   */
  setCustom(entries: readonly CustomParamEntry[]): void {
    for (const params of this.byType.values()) {
      for (const [code, param] of params) {
        if (param.custom) {
          params.delete(code);
        }
      }
    }
    for (const { definition, table, ids } of entries) {
      for (const [resourceType, id] of ids) {
        let params = this.byType.get(resourceType);
        if (!params) {
          params = new Map();
          this.byType.set(resourceType, params);
        }
        const code = definition.code as string;
        params.set(code, {
          id,
          code,
          resourceType,
          definition,
          // Built here, not by Medplum's getSearchParameterDetails: that caches by code for good and
          // cannot type expressions such as `extension('…').value`. Only the expression is used.
          details: { type: SearchParameterType.TEXT, parsedExpression: parseFhirPath(definition.expression as string), array: true },
          table,
          custom: true,
        });
      }
    }
    this.indexedCache.clear();
    this.generation++;
  }

  /** Changes with every change of the custom parameters, for what is derived from them (the CapabilityStatement). */
  generation = 0;

  /** Ids of parameters whose index rows a re-index job is still building: their searches may miss resources. */
  indexing: ReadonlySet<number> = new Set();

  /** Whether any re-index job is open: writes then lock their rows first (write.ts). */
  reindexing = false;

  /** The parameter `code` of `resourceType`, or undefined when the type has none by that name. */
  get(resourceType: string, code: string): IndexedParam | undefined {
    return this.byType.get(resourceType)?.get(code);
  }

  /** All parameters of a resource type. */
  forType(resourceType: string): IndexedParam[] {
    return [...(this.byType.get(resourceType)?.values() ?? [])];
  }

  /** The parameters whose values are extracted into index tables when a resource is written. */
  indexedForType(resourceType: string): IndexedParam[] {
    let cached = this.indexedCache.get(resourceType);
    if (!cached) {
      cached = this.forType(resourceType).filter((p) => p.table !== undefined && p.details.parsedExpression);
      this.indexedCache.set(resourceType, cached);
    }
    return cached;
  }

  private readonly indexedCache = new Map<string, IndexedParam[]>();
}

const PART_TABLES = new Set<IndexTable>(['token', 'string', 'date', 'reference', 'quantity']);

/**
 * A composite's components, each typed by the parameter its definition names (among the type's
 * own); undefined for a composite this store does not index (not token + one of PART_TABLES).
 */
function compositeComponents(param: IndexedParam, params: Map<string, IndexedParam>): [CompositeComponent, CompositeComponent] | undefined {
  const parts = param.definition.component ?? [];
  if (parts.length !== 2) {
    return undefined;
  }
  const byUrl = new Map([...params.values()].map((p) => [p.definition.url, p]));
  const components = parts.map((part) => {
    const defining = byUrl.get(part.definition);
    return defining?.table && part.expression ? { param: defining, expression: parseFhirPath(part.expression) } : undefined;
  });
  const [first, second] = components;
  if (first?.param.table !== 'token' || !second?.param.table || !PART_TABLES.has(second.param.table)) {
    return undefined;
  }
  return [first, second];
}
