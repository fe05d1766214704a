import type { CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';

/**
 * The codes a value set admits, system by system. `'any'` means every code of the system: either the
 * value set includes the whole system, or the system is not held here (LOINC, SNOMED CT, UCUM), so
 * its codes cannot be enumerated and only the system can be checked.
 */
type Expansion = Map<string, Set<string> | 'any'>;

/** Why membership could not be decided. */
export type Membership = 'member' | 'not-member' | 'unknown';

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}

/**
 * Value set membership for binding checks, over the code systems and value sets this server holds:
 * the R4 core terminology and our own. Expansions are computed once per value set, on first use.
 */
export class Terminology {
  private readonly codeSystems = new Map<string, CodeSystem>();
  private readonly valueSets = new Map<string, ValueSet>();
  private readonly expansions = new Map<string, Expansion | undefined>();
  /** Per code system: each code with the codes below it (for is-a filters). */
  private readonly hierarchies = new Map<string, Map<string, string[]>>();

  add(resource: CodeSystem | ValueSet): void {
    if (!resource.url) {
      return;
    }
    if (resource.resourceType === 'CodeSystem') {
      this.codeSystems.set(resource.url, resource);
    } else {
      this.valueSets.set(resource.url, resource);
    }
    this.expansions.clear();
  }

  /** Is `system|code` in the value set? A code without a system matches a code of any of its systems. */
  check(valueSetUrl: string, system: string | undefined, code: string): Membership {
    const expansion = this.expand(stripVersion(valueSetUrl), new Set());
    if (!expansion) {
      return 'unknown';
    }
    if (system === undefined) {
      for (const codes of expansion.values()) {
        if (codes === 'any' || codes.has(code)) {
          return 'member';
        }
      }
      return 'not-member';
    }
    const codes = expansion.get(system);
    if (!codes) {
      return 'not-member';
    }
    return codes === 'any' || codes.has(code) ? 'member' : 'not-member';
  }

  /**
   * The codes of a value set, system by system (`'any'`: every code of that system), for `:in`
   * searches; undefined when it is not held or cannot be expanded.
   */
  codeSet(valueSetUrl: string): ReadonlyMap<string, ReadonlySet<string> | 'any'> | undefined {
    return this.expand(stripVersion(valueSetUrl), new Set());
  }

  /** The code and every code below it in its code system (is-a), for `:below`; undefined when not held. */
  descendants(system: string, code: string): string[] | undefined {
    const tree = this.hierarchy(system);
    if (!tree.has(code)) {
      return undefined;
    }
    const out = new Set<string>();
    const visit = (c: string) => {
      if (!out.has(c)) {
        out.add(c);
        (tree.get(c) ?? []).forEach(visit);
      }
    };
    visit(code);
    return [...out];
  }

  /** The code and every code above it in its code system, for `:above`; undefined when not held. */
  ancestors(system: string, code: string): string[] | undefined {
    const tree = this.hierarchy(system);
    if (!tree.has(code)) {
      return undefined;
    }
    const out = [code];
    for (let i = 0; i < out.length; i++) {
      for (const [parent, children] of tree) {
        if (children.includes(out[i]) && !out.includes(parent)) {
          out.push(parent);
        }
      }
    }
    return out;
  }

  /** The code systems a value set draws from (empty when it cannot be expanded). */
  systemsOf(valueSetUrl: string): string[] {
    return [...(this.expand(stripVersion(valueSetUrl), new Set())?.keys() ?? [])];
  }

  private expand(url: string, visiting: Set<string>): Expansion | undefined {
    if (this.expansions.has(url)) {
      return this.expansions.get(url);
    }
    const valueSet = this.valueSets.get(url);
    if (!valueSet || visiting.has(url)) {
      return undefined;
    }
    visiting.add(url);
    let expansion: Expansion | undefined = new Map();
    for (const include of valueSet.compose?.include ?? []) {
      const part = this.expandInclude(include, visiting);
      if (!part) {
        expansion = undefined;
        break;
      }
      merge(expansion, part);
    }
    if (expansion) {
      for (const exclude of valueSet.compose?.exclude ?? []) {
        const codes = exclude.system ? expansion.get(exclude.system) : undefined;
        if (codes && codes !== 'any') {
          for (const concept of exclude.concept ?? []) {
            codes.delete(concept.code as string);
          }
        }
      }
      if (!valueSet.compose && valueSet.expansion?.contains) {
        for (const item of valueSet.expansion.contains) {
          if (item.system && item.code) {
            merge(expansion, new Map([[item.system, new Set([item.code])]]));
          }
        }
      }
    }
    visiting.delete(url);
    this.expansions.set(url, expansion);
    return expansion;
  }

  private expandInclude(include: ValueSetComposeInclude, visiting: Set<string>): Expansion | undefined {
    let result: Expansion | undefined;
    if (include.system) {
      const system = include.system;
      let codes: Set<string> | 'any';
      if (include.concept) {
        codes = new Set(include.concept.map((c) => c.code as string));
      } else if (include.filter?.length) {
        codes = this.filterCodes(system, include.filter);
      } else {
        codes = this.allCodes(system);
      }
      result = new Map([[system, codes]]);
    }
    for (const imported of include.valueSet ?? []) {
      const part = this.expand(stripVersion(imported), visiting);
      if (!part) {
        return undefined;
      }
      result ??= new Map();
      merge(result, part);
    }
    return result ?? new Map();
  }

  private allCodes(system: string): Set<string> | 'any' {
    const cs = this.codeSystems.get(system);
    if (!cs || cs.content !== 'complete') {
      return 'any';
    }
    return new Set(this.hierarchy(system).keys());
  }

  private filterCodes(system: string, filters: NonNullable<ValueSetComposeInclude['filter']>): Set<string> | 'any' {
    const cs = this.codeSystems.get(system);
    if (!cs || cs.content !== 'complete' || filters.length !== 1) {
      return 'any';
    }
    const [filter] = filters;
    const tree = this.hierarchy(system);
    if (filter.property === 'concept' && (filter.op === 'is-a' || filter.op === 'descendent-of')) {
      const codes = new Set<string>();
      const visit = (code: string): void => {
        for (const child of tree.get(code) ?? []) {
          codes.add(child);
          visit(child);
        }
      };
      if (filter.op === 'is-a' && tree.has(filter.value as string)) {
        codes.add(filter.value as string);
      }
      visit(filter.value as string);
      return codes;
    }
    return 'any';
  }

  private hierarchy(system: string): Map<string, string[]> {
    let tree = this.hierarchies.get(system);
    if (!tree) {
      tree = new Map();
      const walk = (concepts: CodeSystemConcept[] | undefined, parent: string | undefined): void => {
        for (const concept of concepts ?? []) {
          tree?.set(concept.code as string, tree.get(concept.code as string) ?? []);
          if (parent) {
            tree?.get(parent)?.push(concept.code as string);
          }
          walk(concept.concept, concept.code);
        }
      };
      walk(this.codeSystems.get(system)?.concept, undefined);
      this.hierarchies.set(system, tree);
    }
    return tree;
  }
}

function merge(into: Expansion, part: Expansion): void {
  for (const [system, codes] of part) {
    const existing = into.get(system);
    if (existing === 'any' || codes === 'any') {
      into.set(system, 'any');
    } else if (existing) {
      for (const code of codes) {
        existing.add(code);
      }
    } else {
      into.set(system, new Set(codes));
    }
  }
}
