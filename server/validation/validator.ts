import type { Resource } from '@medplum/fhirtypes';

/** Checks a resource before it is stored; throws an OperationOutcomeError listing every problem. */
export type Validator = (resource: Resource) => void;
