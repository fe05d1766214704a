import { OperationOutcomeError } from '@medplum/core';
import { reportFault } from '../log.ts';
import { isConflict } from '../store/db/database.ts';
import type { ResourceStore } from '../store/resource-store.ts';

const INTERNAL_ERROR = new OperationOutcomeError({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'exception', details: { text: 'Internal server error' } }],
});

/**
 * The store as the repository sees it: a failure that is not a FHIR outcome (a database fault,
 * a bug) is logged and becomes a 500, instead of reaching the client as a 400 carrying an internal
 * message (which is what Medplum's router would make of it). Conflicts pass through: a unique-key
 * violation becomes a retry, 409 or 412 in the repository; serialization failures and deadlocks
 * are retried by serializable transactions and otherwise answered 409.
 */
export function guardStore(store: ResourceStore): ResourceStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') {
        return value;
      }
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        return result instanceof Promise ? result.catch(convert) : result;
      };
    },
  });
}

function convert(err: unknown): never {
  if (err instanceof OperationOutcomeError || isConflict(err)) {
    throw err; // conflicts: retried by the transaction, else answered 409
  }
  reportFault(err, 'storage operation failed');
  throw INTERNAL_ERROR;
}
