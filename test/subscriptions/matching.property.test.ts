import type { Observation, Patient, Resource, RiskAssessment } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadBaseDefinitions } from '../../server/fhir/definitions.ts';
import { parseSearch, queryRecord } from '../../server/fhir/search-request.ts';
import { migrate } from '../../server/store/migrate.ts';
import { ResourceStore } from '../../server/store/resource-store.ts';
import { matchSubject } from '../../server/store/search/matcher.ts';
import { SearchParamRegistry } from '../../server/store/search/registry.ts';
import { compileCriteria } from '../../subscriptions/criteria.ts';
import type { TestDatabase } from '../support/database.ts';
import { createTestDatabase } from '../support/database.ts';

/**
 * "One definition of matches": for generated resources and generated criteria, the resources a
 * subscription's criteria match in memory are exactly those the same search returns from
 * PostgreSQL. Values come from small pools so criteria hit, miss and sit on precision edges.
 */

const TENANT = 'property';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const FNR = 'urn:oid:2.16.578.1.12.4.1.4.1';

const families = ['Ødegård', 'Odegard', 'Hansen', 'Hansen-Berg', 'Åsheim', 'Nilsen', 'nilsen'];
const givens = ['Kari', 'Ola', 'Åse', 'Per Olav'];
const cities = ['Tromsø', 'Bodø', 'Oslo'];
const dates = ['1950', '1950-06', '1950-06-15', '1950-12-31', '1951-01-01', '2024-03-01T10:00:00Z', '2024-03-01T10:00:00.500+01:00', '2024-03-01'];
const codes = ['8867-4', '85354-9', '2339-0', '29463-7'];
const numbers = ['5.4', '5.40', '5', '120', '-3', '0', '100.5', '1e2', '7.35'];
const probabilities = ['0.1', '0.10', '0.5', '0.95', '1'];
const practitioners = ['Practitioner/p1', 'Practitioner/p2'];
const patients = ['Patient/a', 'Patient/b', 'Patient/c'];
const tags = ['http://knutepunkt.dev/tag|journaled', 'http://knutepunkt.dev/tag|pending'];
const profiles = ['https://knutepunkt.dev/fhir/StructureDefinition/wt-heart-rate', 'http://hl7.org/fhir/StructureDefinition/vitalsigns'];

const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const pick = <T>(values: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...values);

/** Removes undefined members, as a resource read from JSON has none. */
function clean<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const patientArb: fc.Arbitrary<Patient> = fc
  .record({
    family: maybe(pick(families)),
    given: fc.array(pick(givens), { maxLength: 2 }),
    gender: maybe(pick(['male', 'female', 'other', 'unknown'] as const)),
    birthDate: maybe(pick(dates.filter((d) => !d.includes('T')))),
    active: maybe(fc.boolean()),
    fnr: maybe(pick(['13031353453', '01017012345'])),
    gp: maybe(pick(practitioners)),
    city: maybe(pick(cities)),
  })
  .map((p) =>
    clean<Patient>({
      resourceType: 'Patient',
      name: p.family || p.given.length ? [{ family: p.family, given: p.given.length ? p.given : undefined }] : undefined,
      gender: p.gender,
      birthDate: p.birthDate,
      active: p.active,
      identifier: p.fnr ? [{ system: FNR, value: p.fnr }] : undefined,
      generalPractitioner: p.gp ? [{ reference: p.gp }] : undefined,
      address: p.city ? [{ city: p.city }] : undefined,
    })
  );

const observationArb: fc.Arbitrary<Observation> = fc
  .record({
    status: pick(['final', 'preliminary', 'amended', 'cancelled'] as const),
    code: pick(codes),
    codeSystem: fc.boolean(),
    display: maybe(pick(['Heart rate', 'Blood pressure panel'])),
    subject: maybe(pick(patients)),
    effective: maybe(pick(dates)),
    period: maybe(fc.tuple(maybe(pick(dates)), maybe(pick(dates)))),
    value: maybe(pick(numbers)),
    unit: maybe(pick(['mmHg', 'kPa', 'mmol/L', 'umol/L', '/min'])),
    unitSystem: fc.boolean(),
    tag: maybe(pick(tags)),
    profile: maybe(pick(profiles)),
  })
  .map((o) =>
    clean<Observation>({
      resourceType: 'Observation',
      meta: {
        tag: o.tag ? [{ system: o.tag.split('|')[0], code: o.tag.split('|')[1] }] : undefined,
        profile: o.profile ? [o.profile] : undefined,
      },
      status: o.status,
      code: { coding: [{ system: o.codeSystem ? LOINC : undefined, code: o.code, display: o.display }] },
      subject: o.subject ? { reference: o.subject } : undefined,
      effectiveDateTime: o.effective,
      effectivePeriod: !o.effective && o.period && (o.period[0] || o.period[1]) ? { start: o.period[0], end: o.period[1] } : undefined,
      valueQuantity:
        o.value !== undefined ? { value: Number(o.value), unit: o.unit, system: o.unitSystem && o.unit ? UCUM : undefined, code: o.unit } : undefined,
    })
  );

const riskArb: fc.Arbitrary<RiskAssessment> = fc
  .record({ probability: maybe(pick(probabilities)), subject: pick(patients) })
  .map((r) =>
    clean<RiskAssessment>({
      resourceType: 'RiskAssessment',
      status: 'final',
      subject: { reference: r.subject },
      prediction: r.probability !== undefined ? [{ probabilityDecimal: Number(r.probability) }] : undefined,
    })
  );

const datePrefix = pick(['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb']);
const numberPrefix = pick(['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);
const orList = <T extends string>(arb: fc.Arbitrary<T>): fc.Arbitrary<string> =>
  fc.array(arb, { minLength: 1, maxLength: 2 }).map((values) => values.join(','));
const encode = (key: string, value: string): string => `${key}=${encodeURIComponent(value)}`;

/** One filter of a Patient search, as a query-string pair. */
const patientFilter: fc.Arbitrary<string> = fc.oneof(
  // Strings twice as often: prefixes, infixes, case and accents are where string search goes wrong.
  ...Array.from({ length: 2 }, () =>
    fc
      .tuple(pick(['family', 'name', 'family:exact', 'family:contains', 'name:contains']), pick([...families, 'ode', 'HANS', 'berg', 'sen', 'olav', 'Kari', 'åse']))
      .map(([k, v]) => encode(k, v))
  ),
  orList(pick(['male', 'female', 'other', 'unknown'])).chain((v) => pick(['gender', 'gender:not']).map((k) => encode(k, v))),
  fc.tuple(datePrefix, pick(dates.filter((d) => !d.includes('T')))).map(([p, d]) => encode('birthdate', p + d)),
  pick(['true', 'false']).map((v) => encode('active', v)),
  pick([`${FNR}|13031353453`, '13031353453', `|01017012345`, `${FNR}|`]).map((v) => encode('identifier', v)),
  pick([...practitioners, 'p1', 'Organization/p1']).map((v) => encode('general-practitioner', v)),
  pick(['tromso', 'Bodø', 'OSLO']).map((v) => encode('address-city', v)),
  fc.tuple(pick(['family', 'birthdate', 'general-practitioner', 'identifier']), fc.boolean()).map(([k, v]) => encode(`${k}:missing`, String(v)))
);

const observationFilter: fc.Arbitrary<string> = fc.oneof(
  orList(pick([...codes.map((c) => `${LOINC}|${c}`), ...codes, `${LOINC}|`, '|8867-4'])).chain((v) => pick(['code', 'code:not']).map((k) => encode(k, v))),
  pick(['heart', 'PANEL', 'rate']).map((v) => encode('code:text', v)),
  orList(pick(['final', 'preliminary', 'amended', 'cancelled'])).map((v) => encode('status', v)),
  pick([...patients, 'a', 'b']).chain((v) => pick(['subject', 'patient']).map((k) => encode(k, v))),
  fc.tuple(datePrefix, pick(dates)).map(([p, d]) => encode('date', p + d)),
  fc
    .tuple(numberPrefix, pick(numbers), pick(['', `|${UCUM}|mmHg`, `|${UCUM}|kPa`, `|${UCUM}|mmol/L`, '||mmol/L', `|${UCUM}|`]))
    .map(([p, n, unit]) => encode('value-quantity', p + n + unit)),
  pick(tags).map((v) => encode('_tag', v)),
  pick([...profiles, 'https://knutepunkt.dev/fhir']).chain((v) => pick(['_profile', '_profile:below']).map((k) => encode(k, v))),
  fc.tuple(pick(['value-quantity', 'date', 'subject']), fc.boolean()).map(([k, v]) => encode(`${k}:missing`, String(v)))
);

const riskFilter: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(numberPrefix, pick([...probabilities, '0.45', '0.96'])).map(([p, n]) => encode('probability', p + n)),
  pick(patients).map((v) => encode('subject', v))
);

const criteriaArb: fc.Arbitrary<string> = fc.oneof(
  fc.array(patientFilter, { minLength: 1, maxLength: 3 }).map((f) => `Patient?${f.join('&')}`),
  fc.array(observationFilter, { minLength: 1, maxLength: 3 }).map((f) => `Observation?${f.join('&')}`),
  fc.array(riskFilter, { minLength: 1, maxLength: 2 }).map((f) => `RiskAssessment?${f.join('&')}`)
);

let database: TestDatabase;
let store: ResourceStore;
let registry: SearchParamRegistry;
const stored: (Resource & { id: string })[] = [];

beforeAll(async () => {
  loadBaseDefinitions();
  database = await createTestDatabase();
  await migrate(database.db);
  registry = await SearchParamRegistry.load(database.db);
  store = new ResourceStore(database.db, registry);
  const resources = [
    ...fc.sample(patientArb, 60),
    ...fc.sample(observationArb, 120),
    ...fc.sample(riskArb, 30),
  ];
  const base = Date.parse('2026-01-01T00:00:00Z');
  for (const [i, resource] of resources.entries()) {
    const withMeta = { ...resource, id: `r${i}`, meta: { ...resource.meta, lastUpdated: new Date(base + i * 1000).toISOString() } };
    await store.writeResource(TENANT, withMeta, 1, 'POST');
    stored.push(withMeta);
  }
});

afterAll(async () => {
  await database?.drop();
});

async function searchIds(criteria: string): Promise<string[]> {
  const [type, query] = criteria.split('?');
  const page = await store.search({ ...parseSearch(type, queryRecord(query)), count: 1000 }, { tenant: TENANT });
  return page.rows.map((r) => r.id).sort();
}

function matchedIds(criteria: string): string[] {
  const compiled = compileCriteria(criteria, registry);
  return stored.filter((r) => compiled.matches(matchSubject(registry, r))).map((r) => r.id).sort();
}

describe('subscription matching and search are one definition', () => {
  test('generated criteria over generated resources: in-memory matches equal search results', async () => {
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(criteriaArb, async (criteria) => {
        const fromSearch = await searchIds(criteria);
        nonEmpty += fromSearch.length > 0 ? 1 : 0;
        expect(matchedIds(criteria), criteria).toEqual(fromSearch);
      }),
      { numRuns: 400 }
    );
    // The generators must produce criteria that select something, or the comparison proves little.
    expect(nonEmpty).toBeGreaterThan(100);
  }, 120_000);

  test('edge cases by hand: precision ranges, decimal equality, folded strings, _lastUpdated', async () => {
    const cases = [
      'Observation?value-quantity=5.4',
      'Observation?value-quantity=ap100',
      'Observation?value-quantity=gt1e2',
      'Observation?date=2024-03-01T09:00:00Z',
      'Observation?date=ge2024-03-01&date=lt2024-03-02',
      'Patient?family=odegard',
      'Patient?family=berg',
      'Patient?name=olav',
      'Patient?birthdate=1950',
      'Patient?birthdate=sa1950-06',
      'RiskAssessment?probability=0.1',
      'RiskAssessment?probability=le0.5',
      'Patient?_lastUpdated=ge2026-01-01T00:00:30Z',
      'Observation?_id=r70,r71,nope',
      'Observation?_id:not=r70',
    ];
    for (const criteria of cases) {
      expect(matchedIds(criteria), criteria).toEqual(await searchIds(criteria));
    }
    // And each of these selects something, so they are not vacuous.
    expect(matchedIds('Patient?_lastUpdated=ge2026-01-01T00:00:30Z').length).toBeGreaterThan(0);
    expect(matchedIds('Observation?_id=r70,r71,nope')).toEqual(['r70', 'r71']);
  });

  test('criteria a search would refuse are refused the same way', () => {
    expect(() => compileCriteria('Observation?nonsense=1', registry)).toThrow(/Unknown search parameter "nonsense"/);
    expect(() => compileCriteria('Observation?date=yesterday', registry)).toThrow(/"yesterday" is not a date/);
    expect(() => compileCriteria('Observation?_sort=date', registry)).toThrow(/_sort/);
    expect(() => compileCriteria('Nonsense?x=1', registry)).toThrow(/resource type/);
  });
});
