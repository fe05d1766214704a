import type { Encounter, Observation, Patient } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';
import { useTestServer } from '../support/server.ts';
import { enc, KEY_SYSTEM, newKey, Searcher } from './helpers.ts';

const env = useTestServer();
const fhir = env.fhir;
const search = new Searcher(fhir);

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';

function observation(key: ReturnType<typeof newKey>, code: Observation['code'], extra: Partial<Observation> = {}): Observation {
  return { resourceType: 'Observation', status: 'final', identifier: [key.identifier], code, ...extra };
}

describe('token', () => {
  test('Identifier: system|value, value alone, system| and |value (no system)', async () => {
    const k = newKey();
    const fnrA = syntheticFnr(101);
    const fnrB = syntheticFnr(102);
    const a = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier, { system: FNR_SYSTEM, value: fnrA }] });
    const b = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier, { system: FNR_SYSTEM, value: fnrB }] });
    // Same value as a's fødselsnummer, but without a system.
    const c = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier, { value: fnrA }] });
    // Same value under another system.
    const d = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier, { system: 'urn:oid:2.16.578.1.12.4.1.4.2', value: fnrA }] });

    await search.expectIds('Patient', `identifier=${FNR_SYSTEM}|${fnrA}`, [a.id]);
    await search.expectIds('Patient', `identifier=${FNR_SYSTEM}|${fnrB}`, [b.id]);
    await search.expectIds('Patient', `${k.param}&identifier=${fnrA}`, [a.id, c.id, d.id]);
    await search.expectIds('Patient', `${k.param}&identifier=|${fnrA}`, [c.id]);
    await search.expectIds('Patient', `${k.param}&identifier=${FNR_SYSTEM}|`, [a.id, b.id]);
    await search.expectIds('Patient', `identifier=${FNR_SYSTEM}|${syntheticFnr(103)}`, []);
    // The system must match exactly, not as a prefix.
    await search.expectIds('Patient', `${k.param}&identifier=urn:oid:2.16.578.1.12.4.1|`, []);
  });

  test('CodeableConcept: system|code, code alone, system|, |code, and the wrong system', async () => {
    const k = newKey();
    const glucose = await fhir.create(
      observation(k, { coding: [{ system: LOINC, code: '2345-7', display: 'Glukose' }, { system: SNOMED, code: '33747003' }] })
    );
    const hba1c = await fhir.create(observation(k, { coding: [{ system: LOINC, code: '4548-4', display: 'HbA1c' }] }));
    const local = await fhir.create(observation(k, { coding: [{ code: '2345-7', display: 'Lokal kode' }] }));

    await search.expectIds('Observation', `code=${LOINC}|2345-7`, [glucose.id]);
    await search.expectIds('Observation', `code=${SNOMED}|33747003`, [glucose.id]);
    await search.expectIds('Observation', `${k.param}&code=2345-7`, [glucose.id, local.id]);
    await search.expectIds('Observation', `${k.param}&code=|2345-7`, [local.id]);
    await search.expectIds('Observation', `${k.param}&code=${LOINC}|`, [glucose.id, hba1c.id]);
    await search.expectIds('Observation', `${k.param}&code=${SNOMED}|2345-7`, []);
    // Codes are compared exactly: no prefix match.
    await search.expectIds('Observation', `${k.param}&code=2345`, []);
  });

  test('Coding (Encounter.class) by system|code and by code', async () => {
    const k = newKey();
    const actCode = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
    const amb = await fhir.create<Encounter>({ resourceType: 'Encounter', identifier: [k.identifier], status: 'finished', class: { system: actCode, code: 'AMB' } });
    const imp = await fhir.create<Encounter>({ resourceType: 'Encounter', identifier: [k.identifier], status: 'finished', class: { system: actCode, code: 'IMP' } });
    await search.expectIds('Encounter', `${k.param}&class=${actCode}|AMB`, [amb.id]);
    await search.expectIds('Encounter', `${k.param}&class=IMP`, [imp.id]);
    await search.expectIds('Encounter', `${k.param}&class=${actCode}|`, [amb.id, imp.id]);
    await search.expectIds('Encounter', `${k.param}&class=urn:other|AMB`, []);
  });

  test('boolean (active) and code (gender), with :missing', async () => {
    const k = newKey();
    const activeFemale = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], active: true, gender: 'female' });
    const inactiveMale = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], active: false, gender: 'male' });
    const bare = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier] });

    await search.expectIds('Patient', `${k.param}&active=true`, [activeFemale.id]);
    await search.expectIds('Patient', `${k.param}&active=false`, [inactiveMale.id]);
    await search.expectIds('Patient', `${k.param}&gender=female`, [activeFemale.id]);
    await search.expectIds('Patient', `${k.param}&gender=male`, [inactiveMale.id]);
    await search.expectIds('Patient', `${k.param}&active:missing=true`, [bare.id]);
    await search.expectIds('Patient', `${k.param}&active:missing=false`, [activeFemale.id, inactiveMale.id]);
    await search.expectIds('Patient', `${k.param}&gender:missing=true`, [bare.id]);
    await search.expectIds('Patient', `${k.param}&gender:missing=false`, [activeFemale.id, inactiveMale.id]);
  });

  test(':not excludes matching resources and keeps those without the element', async () => {
    const k = newKey();
    const female = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], gender: 'female' });
    const male = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], gender: 'male' });
    const none = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier] });
    await search.expectIds('Patient', `${k.param}&gender:not=male`, [female.id, none.id]);
    // Comma values under :not: neither of them.
    await search.expectIds('Patient', `${k.param}&gender:not=male,female`, [none.id]);
    expect(male.id).toBeTruthy();

    const glucose = await fhir.create(observation(k, { coding: [{ system: LOINC, code: '2345-7' }] }));
    const other = await fhir.create(observation(k, { coding: [{ system: LOINC, code: '4548-4' }] }));
    const textOnly = await fhir.create(observation(k, { text: 'bare tekst' }));
    await search.expectIds('Observation', `${k.param}&code:not=${LOINC}|2345-7`, [other.id, textOnly.id]);
    expect(glucose.id).toBeTruthy();
  });

  test(':text searches Coding.display, CodeableConcept.text and Identifier.type.text, case- and accent-insensitively', async () => {
    const k = newKey();
    const withDisplay = await fhir.create(observation(k, { coding: [{ system: LOINC, code: '2345-7', display: 'Glukose i blod' }] }));
    const textOnly = await fhir.create(observation(k, { text: 'Kolesterol totalt' }));
    await search.expectIds('Observation', `${k.param}&code:text=glukose`, [withDisplay.id]);
    await search.expectIds('Observation', `${k.param}&code:text=KOLESTEROL`, [textOnly.id]);
    await search.expectIds('Observation', `${k.param}&code:text=natrium`, []);
    // A string search: accents do not matter either way.
    const accented = await fhir.create(observation(k, { coding: [{ system: LOINC, code: '9279-1', display: 'Åndedrett målt' }] }));
    await search.expectIds('Observation', `${k.param}&code:text=andedrett%20malt`, [accented.id]);
    await search.expectIds('Observation', `${k.param}&code:text=${encodeURIComponent('ÅNDEDRETT')}`, [accented.id]);

    const patient = await fhir.create<Patient>({
      resourceType: 'Patient',
      identifier: [k.identifier, { system: FNR_SYSTEM, value: syntheticFnr(104), type: { text: 'Fødselsnummer' } }],
    });
    await search.expectIds('Patient', `${k.param}&identifier:text=f%C3%B8dselsnummer`, [patient.id]);
  });

  test(':text also finds CodeableConcept.text when the codings have their own display', async () => {
    const k = newKey();
    const obs = await fhir.create(
      observation(k, { coding: [{ system: LOINC, code: '2345-7', display: 'Glucose [Mass/volume] in Blood' }], text: 'Blodsukker' })
    );
    await search.expectIds('Observation', `${k.param}&code:text=Glucose`, [obs.id]);
    await search.expectIds('Observation', `${k.param}&code:text=blodsukker`, [obs.id]);
  });

  test('comma-separated values are OR; a repeated parameter is AND', async () => {
    const k = newKey();
    const both = await fhir.create(observation(k, { coding: [{ system: LOINC, code: 'A-1' }, { system: LOINC, code: 'B-2' }] }));
    const onlyA = await fhir.create(observation(k, { coding: [{ system: LOINC, code: 'A-1' }] }));
    const onlyB = await fhir.create(observation(k, { coding: [{ system: LOINC, code: 'B-2' }] }));
    await fhir.create(observation(k, { coding: [{ system: LOINC, code: 'C-3' }] }));

    await search.expectIds('Observation', `${k.param}&code=${LOINC}|A-1,${LOINC}|B-2`, [both.id, onlyA.id, onlyB.id]);
    await search.expectIds('Observation', `${k.param}&code=A-1,B-2`, [both.id, onlyA.id, onlyB.id]);
    await search.expectIds('Observation', `${k.param}&code=${LOINC}|A-1&code=${LOINC}|B-2`, [both.id]);
    await search.expectIds('Observation', `${k.param}&code=A-1&code=B-2&code=C-3`, []);

    const female = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], gender: 'female' });
    const other = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], gender: 'other' });
    await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], gender: 'male' });
    await search.expectIds('Patient', `${k.param}&gender=female,other`, [female.id, other.id]);
  });

  test('escaped comma and pipe in a token value are literal', async () => {
    const k = newKey();
    const withComma = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier, { system: 'urn:kp:odd', value: 'a,b' }] });
    const withPipe = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier, { system: 'urn:kp:odd', value: 'c|d' }] });
    await search.expectIds('Patient', `${k.param}&identifier=urn:kp:odd|${enc('a\\,b')}`, [withComma.id]);
    await search.expectIds('Patient', `${k.param}&identifier=urn:kp:odd|${enc('c\\|d')}`, [withPipe.id]);
    // Unescaped, the comma splits into two alternatives, neither of which exists.
    await search.expectIds('Patient', `${k.param}&identifier=urn:kp:odd|a,urn:kp:odd|b`, []);
  });

  test('unsupported modifiers and malformed tokens are 400', async () => {
    await search.expect400('Patient', 'gender:contains=fem');
    await search.expect400('Patient', 'identifier=a|b|c');
    await search.expect400('Patient', 'identifier=|');
  });
});

describe('string', () => {
  test('default is a case- and accent-insensitive prefix match', async () => {
    const k = newKey();
    const ase = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Ødegård', given: ['Åse', 'Marie'] }] });
    const asbjorn = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Berg', given: ['Asbjørn'] }] });
    const rene = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Dupré', given: ['René'] }] });

    await search.expectIds('Patient', `${k.param}&given=ase`, [ase.id]);
    await search.expectIds('Patient', `${k.param}&given=${enc('ÅSE')}`, [ase.id]);
    await search.expectIds('Patient', `${k.param}&given=as`, [ase.id, asbjorn.id]);
    await search.expectIds('Patient', `${k.param}&given=asbj${enc('Ø')}`, [asbjorn.id]);
    await search.expectIds('Patient', `${k.param}&family=${enc('ødeg')}`, [ase.id]);
    await search.expectIds('Patient', `${k.param}&family=dupre`, [rene.id]);
    await search.expectIds('Patient', `${k.param}&given=rene`, [rene.id]);
    await search.expectIds('Patient', `${k.param}&given=marie`, [ase.id]);
    // Prefix, not substring.
    await search.expectIds('Patient', `${k.param}&family=${enc('degård')}`, []);
    await search.expectIds('Patient', `${k.param}&given=rie`, []);
  });

  test(':exact matches the whole value with case and accents', async () => {
    const k = newKey();
    const ase = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Ødegård', given: ['Åse'] }] });
    await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Ødegårdsen', given: ['Ase'] }] });
    await search.expectIds('Patient', `${k.param}&family:exact=${enc('Ødegård')}`, [ase.id]);
    await search.expectIds('Patient', `${k.param}&given:exact=${enc('Åse')}`, [ase.id]);
    await search.expectIds('Patient', `${k.param}&family:exact=${enc('ødegård')}`, []);
    await search.expectIds('Patient', `${k.param}&family:exact=${enc('Ødeg')}`, []);
    await search.expectIds('Patient', `${k.param}&family:exact=Odegard`, []);
  });

  test(':contains matches anywhere in the value, case- and accent-insensitively', async () => {
    const k = newKey();
    const kari = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Nordmann', given: ['Kari'] }] });
    const ase = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Ødegård', given: ['Åse'] }] });
    await search.expectIds('Patient', `${k.param}&given:contains=ARI`, [kari.id]);
    await search.expectIds('Patient', `${k.param}&family:contains=degar`, [ase.id]);
    await search.expectIds('Patient', `${k.param}&family:contains=mann`, [kari.id]);
    await search.expectIds('Patient', `${k.param}&name:contains=r`, [kari.id, ase.id]);
    await search.expectIds('Patient', `${k.param}&family:contains=xyz`, []);
  });

  test('name matches any HumanName part: family, given, prefix, suffix, text', async () => {
    const k = newKey();
    const p = await fhir.create<Patient>({
      resourceType: 'Patient',
      identifier: [k.identifier],
      name: [{ text: 'Dr. Ola Jakob Nordmann jr.', family: 'Nordmann', given: ['Ola', 'Jakob'], prefix: ['Dr.'], suffix: ['jr.'] }],
    });
    const other = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Hansen', given: ['Per'] }] });
    for (const value of ['nordmann', 'ola', 'jakob', 'dr', 'jr', 'dr.%20ola']) {
      await search.expectIds('Patient', `${k.param}&name=${value}`, [p.id]);
    }
    await search.expectIds('Patient', `${k.param}&name=hansen`, [other.id]);
    await search.expectIds('Patient', `${k.param}&name=per`, [other.id]);
    // family and given only see their own part.
    await search.expectIds('Patient', `${k.param}&family=ola`, []);
    await search.expectIds('Patient', `${k.param}&given=nordmann`, []);
  });

  test('Address parts: address matches any part; address-city, -postalcode, -country, -state are specific', async () => {
    const k = newKey();
    const bergen = await fhir.create<Patient>({
      resourceType: 'Patient',
      identifier: [k.identifier],
      address: [{ line: ['Strandkaien 2'], city: 'Bergen', postalCode: '5013', state: 'Vestland', country: 'NO' }],
    });
    const tromso = await fhir.create<Patient>({
      resourceType: 'Patient',
      identifier: [k.identifier],
      address: [{ line: ['Storgata 1'], city: 'Tromsø', postalCode: '9008', country: 'NO', text: 'Storgata 1, 9008 Tromsø' }],
    });
    await search.expectIds('Patient', `${k.param}&address-city=bergen`, [bergen.id]);
    await search.expectIds('Patient', `${k.param}&address-city=${enc('TROMSØ')}`, [tromso.id]);
    await search.expectIds('Patient', `${k.param}&address-postalcode=50`, [bergen.id]);
    await search.expectIds('Patient', `${k.param}&address-state=vest`, [bergen.id]);
    await search.expectIds('Patient', `${k.param}&address-country=no`, [bergen.id, tromso.id]);
    await search.expectIds('Patient', `${k.param}&address=strandkai`, [bergen.id]);
    await search.expectIds('Patient', `${k.param}&address=9008`, [tromso.id]);
    await search.expectIds('Patient', `${k.param}&address=bergen`, [bergen.id]);
    await search.expectIds('Patient', `${k.param}&address:contains=gata`, [tromso.id]);
    await search.expectIds('Patient', `${k.param}&address-city=strandkaien`, []);
  });

  test('comma is OR, repeated is AND, :missing works on strings', async () => {
    const k = newKey();
    const kari = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Nordmann', given: ['Kari'] }] });
    const ola = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Nordmann', given: ['Ola'] }] });
    const kariH = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Hansen', given: ['Kari'] }] });
    const nameless = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier] });

    await search.expectIds('Patient', `${k.param}&given=ola,kari`, [kari.id, ola.id, kariH.id]);
    await search.expectIds('Patient', `${k.param}&name=kari&name=nordmann`, [kari.id]);
    await search.expectIds('Patient', `${k.param}&given=kari&family=hansen`, [kariH.id]);
    await search.expectIds('Patient', `${k.param}&name:missing=true`, [nameless.id]);
    await search.expectIds('Patient', `${k.param}&name:missing=false`, [kari.id, ola.id, kariH.id]);
  });

  test('unsupported string modifier is 400', async () => {
    await search.expect400('Patient', 'family:below=x');
  });
});

describe('index follows the current version', () => {
  test('after an update the old values no longer match and the new ones do; a deleted resource matches nothing', async () => {
    const k = newKey();
    const p = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], gender: 'female', name: [{ family: 'Førsteversjon' }] });
    const updated = await fhir.put<Patient>(`Patient/${p.id}`, { ...p, gender: 'male', name: [{ family: 'Andreversjon' }] });
    expect(updated.status).toBe(200);
    await search.expectIds('Patient', `${k.param}&family=${enc('førsteversjon')}`, []);
    await search.expectIds('Patient', `${k.param}&gender=female`, []);
    await search.expectIds('Patient', `${k.param}&family=andreversjon`, [p.id]);
    await search.expectIds('Patient', `${k.param}&gender=male`, [p.id]);
    expect((await fhir.delete(`Patient/${p.id}`)).status).toBe(200);
    await search.expectIds('Patient', `${k.param}&family=andreversjon`, []);
    await search.expectIds('Patient', k.param, []);
    await search.expectIds('Patient', `${k.param}&gender:not=female`, []);
    await search.expectIds('Patient', `${k.param}&gender:missing=true`, []);
  });
});

describe('ContactPoint tokens', () => {
  test('telecom, email and phone match ContactPoint.value', async () => {
    const k = newKey();
    const p = await fhir.create<Patient>({
      resourceType: 'Patient',
      identifier: [k.identifier],
      telecom: [
        { system: 'phone', value: '+4799999999' },
        { system: 'email', value: 'kari@example.no' },
      ],
    });
    await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], telecom: [{ system: 'phone', value: '+4798888888' }] });
    await search.expectIds('Patient', `${k.param}&telecom=${enc('+4799999999')}`, [p.id]);
    await search.expectIds('Patient', `${k.param}&phone=${enc('+4799999999')}`, [p.id]);
    await search.expectIds('Patient', `${k.param}&email=kari@example.no`, [p.id]);
    await search.expectIds('Patient', `${k.param}&email=${enc('+4799999999')}`, []);
  });
});

describe('POST _search', () => {
  test('parameters in the URL and in the form body are both applied', async () => {
    const k = newKey();
    const kari = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], gender: 'female', name: [{ family: 'Postesen' }] });
    await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], gender: 'male', name: [{ family: 'Postesen' }] });
    const res = await search.post('Patient', 'family=postesen', {}, `${k.param}&gender=female`);
    expect(res.status).toBe(200);
    expect(res.body.entry?.map((e) => e.resource?.id)).toEqual([kari.id]);
  });

  test('the same parameter in the URL and in the body is ANDed, not overridden', async () => {
    const k = newKey();
    await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Urlsen' }] });
    await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Bodysen' }] });
    const both = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Urlsen' }, { family: 'Bodysen' }] });
    const res = await search.post('Patient', `${k.param}&family=bodysen`, {}, 'family=urlsen');
    expect(res.status).toBe(200);
    expect(res.body.entry?.map((e) => e.resource?.id)).toEqual([both.id]);
  });

  test('a JSON body is refused with 400', async () => {
    const res = await fhir.post('Patient/_search', { gender: 'female' }, { 'content-type': 'application/fhir+json' });
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  test('form-encoded values are decoded (+ as space, percent escapes)', async () => {
    const k = newKey();
    const p = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ text: 'Anne Grethe Bø' }] });
    const res = await search.post('Patient', `identifier=${enc(`${KEY_SYSTEM}|${k.key}`)}&name=anne+grethe+b%C3%B8`);
    expect(res.status).toBe(200);
    expect(res.body.entry?.map((e) => e.resource?.id)).toEqual([p.id]);
  });
});
