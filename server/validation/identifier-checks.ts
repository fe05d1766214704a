import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { PersonNumberKind } from './norwegian-identifiers.ts';
import { checkOrganizationNumber, checkPersonNumber } from './norwegian-identifiers.ts';
import { issue } from './element-values.ts';

interface PersonSystem {
  name: string;
  kind: PersonNumberKind;
}

/** Identifier systems whose values carry check digits, with the kind of number each holds. */
const PERSON_SYSTEMS: Record<string, PersonSystem> = {
  'urn:oid:2.16.578.1.12.4.1.4.1': { name: 'fødselsnummer', kind: 'fodselsnummer' },
  'urn:oid:2.16.578.1.12.4.1.4.2': { name: 'D-nummer', kind: 'd-nummer' },
  'urn:oid:2.16.578.1.12.4.1.4.3': { name: 'felles hjelpenummer', kind: 'felles-hjelpenummer' },
  HNR: { name: 'H-nummer', kind: 'h-nummer' },
};
const ORGANIZATION_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.101';

const KIND_NAMES: Record<PersonNumberKind, string> = {
  fodselsnummer: 'fødselsnummer',
  'd-nummer': 'D-nummer',
  'h-nummer': 'H-nummer',
  'felles-hjelpenummer': 'felles hjelpenummer',
};

/**
 * Checks one Identifier-shaped object (system + value) found at `path`. Messages never repeat the
 * number itself: it is personal data, and the client already has it.
 */
export function checkNorwegianIdentifier(
  identifier: { system?: unknown; value?: unknown },
  path: string,
  allowSynthetic: boolean,
  issues: OperationOutcomeIssue[],
): void {
  const { system, value } = identifier;
  if (typeof system !== 'string' || typeof value !== 'string') {
    return;
  }
  if (system === ORGANIZATION_SYSTEM) {
    const result = checkOrganizationNumber(value);
    if (!result.valid) {
      issues.push(issue('error', 'value', `Invalid organisasjonsnummer: ${result.reason}`, `${path}.value`));
    }
    return;
  }
  const expected = PERSON_SYSTEMS[system];
  if (!expected) {
    return;
  }
  const result = checkPersonNumber(value, { allowSynthetic });
  if (!result.valid) {
    issues.push(issue('error', 'value', `Invalid ${expected.name}: ${result.reason}`, `${path}.value`));
  } else if (result.kind !== expected.kind && result.kind) {
    // Vendors sometimes send a D-nummer under the fødselsnummer system; it is a valid person number,
    // so this is flagged rather than refused.
    issues.push(
      issue('warning', 'value', `The number is a ${KIND_NAMES[result.kind]}, but the system ${system} is for ${expected.name}`, `${path}.value`),
    );
  }
}
