import type { Observation } from '@medplum/fhirtypes';

/**
 * The benchmark's Observations: vital signs of ten LOINC codes, spread over 300 days of 2026, one
 * builder for every scenario that writes them, so that their costs are comparable.
 */
export const CODES = ['8867-4', '8480-6', '8462-4', '59408-5', '8310-5', '29463-7', '9279-1', '2339-0', '85354-9', '8302-2'];
export const DAY = 86_400_000;
export const START = Date.parse('2026-01-01T00:00:00Z');

export function observation(i: number, subject: string): Observation {
  const code = CODES[i % CODES.length];
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code, display: `Measurement ${code}` }] },
    subject: { reference: subject },
    effectiveDateTime: new Date(START + ((i * 7919) % 300) * DAY + (i % 86_400) * 1000).toISOString(),
    valueQuantity: { value: 40 + (i % 120), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

