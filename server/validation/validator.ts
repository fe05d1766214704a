import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';

/** Checks a resource before it is stored; throws an OperationOutcomeError listing every problem. */
export type Validator = (resource: Resource) => void;

/**
 * Base R4 validation with Medplum's validator: structure, cardinality, types, fixed values and
 * FHIRPath invariants of the resource's base StructureDefinition. Each issue carries the FHIRPath
 * location of the element at fault. A failure is a 400: the resource breaks FHIR's own rules.
 */
export const validateBase: Validator = (resource) => {
  try {
    validateResource(resource);
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      const outcome: OperationOutcome = { ...err.outcome, resourceType: 'OperationOutcome', id: undefined };
      throw new OperationOutcomeError(outcome);
    }
    throw err;
  }
};
