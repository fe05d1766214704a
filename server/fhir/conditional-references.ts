import { badRequest, OperationOutcomeError, preconditionFailed } from '@medplum/core';
import type { Bundle } from '@medplum/fhirtypes';
import type { KnutepunktRepository } from './repository.ts';
import { parseSearch, queryRecord } from './search-request.ts';

const CONDITIONAL = /^([A-Z][A-Za-z]+)\?(.+)$/;

/**
 * Rewrites conditional references (`Patient?identifier=…`) in the resources of a transaction to
 * the literal reference of the one existing resource they match. No match or several matches
 * fail the transaction, as the R4 transaction rules require.
 */
export async function resolveConditionalReferences(bundle: Bundle, repo: KnutepunktRepository): Promise<void> {
  const resolved = new Map<string, string>();
  const pending: { holder: { reference?: string }; query: string }[] = [];
  for (const entry of bundle.entry ?? []) {
    collect(entry.resource, pending);
  }
  for (const { holder, query } of pending) {
    let literal = resolved.get(query);
    if (!literal) {
      const [, type, search] = CONDITIONAL.exec(query) as RegExpExecArray;
      const request = parseSearch(type, queryRecord(search));
      request.count = 2;
      const matches = await repo.searchResources(request);
      if (matches.length !== 1) {
        throw new OperationOutcomeError({
          ...(matches.length === 0 ? badRequest(`Conditional reference "${query}" matches no resource`) : preconditionFailed),
          ...(matches.length > 1
            ? { issue: [{ severity: 'error', code: 'multiple-matches', details: { text: `Conditional reference "${query}" matches more than one resource` } }] }
            : {}),
        });
      }
      literal = `${type}/${matches[0].id}`;
      resolved.set(query, literal);
    }
    holder.reference = literal;
  }
}

function collect(node: unknown, out: { holder: { reference?: string }; query: string }[]): void {
  if (Array.isArray(node)) {
    node.forEach((n) => collect(n, out));
    return;
  }
  if (node && typeof node === 'object') {
    const ref = (node as { reference?: unknown }).reference;
    if (typeof ref === 'string' && CONDITIONAL.test(ref)) {
      out.push({ holder: node as { reference?: string }, query: ref });
    }
    for (const value of Object.values(node)) {
      if (value && typeof value === 'object') {
        collect(value, out);
      }
    }
  }
}
