/**
 * Validation throughput on one core: the welfare-technology examples of the profile build, checked
 * in-process by the same validator the server runs on every write (base rules, claimed and default
 * profiles, bindings, slices, extensions, identifier check digits). One thread, so resources/s is
 * per core.
 */
import type { Resource } from '@medplum/fhirtypes';
import { loadBaseDefinitions } from '../../server/fhir/definitions.ts';
import { loadProfileRegistry, readProfileBuild } from '../../server/validation/profile-registry.ts';
import { ResourceValidator } from '../../server/validation/resource-validator.ts';
import type { Figures } from './harness.ts';

const SCENARIOS: [string, string, number?][] = [
  ['validate MedicationDispense (dispenser event)', 'wt-medicationdispense-example'],
  ['validate DetectedIssue (alarm)', 'wt-detectedissue-example'],
  ['validate Encounter (digital supervision)', 'wt-digital-supervision-example'],
  ['validate Observation (heart rate)', 'wt-heart-rate-example'],
  ['validate Observation (blood pressure)', 'wt-blood-pressure-example'],
  ['validate Patient (pasientinfo)', 'wt-patient-example'],
  ['validate Bundle (alarm event, 3 resources)', 'wt-alarm-event-bundle-example', 3],
];

export function benchValidation(count = 5000): Figures[] {
  loadBaseDefinitions();
  const registry = loadProfileRegistry();
  const validator = new ResourceValidator(registry, { defaultProfiles: true, allowSyntheticIdentifiers: true });
  const examples = new Map(readProfileBuild().map((r) => [r.id, r]));
  return SCENARIOS.map(([scenario, id, resourcesPerRequest = 1]) => {
    const resource = examples.get(id) as Resource;
    const first = validator.check(resource);
    if (first.status !== 200) {
      throw new Error(`${id} is not valid: ${JSON.stringify(first.issues)}`);
    }
    for (let i = 0; i < 500; i++) {
      validator.check(resource);
    }
    const latencies = new Array<number>(count);
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      validator.check(resource);
      latencies[i] = performance.now() - t0;
    }
    return { scenario, requests: count, resourcesPerRequest, concurrency: 1, seconds: (performance.now() - started) / 1000, latencies };
  });
}
