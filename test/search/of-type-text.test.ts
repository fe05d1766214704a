import type { Observation, Patient } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { queryRecord, parseSearch } from '../../server/fhir/search-request.ts';
import { Criteria, matchSubject } from '../../server/store/search/matcher.ts';
import { useTestServer } from '../support/server.ts';
import { enc, newKey, Searcher } from './helpers.ts';

const env = useTestServer();
const fhir = env.fhir;
const search = new Searcher(fhir);

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const MRN_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.99';

describe(':of-type (identifier type system|type code|value)', () => {
  test('finds the value under an identifier of that type only, from its type codings', async () => {
    const k = newKey();
    // MR 12345 (two codings of its type), a different type with the same value, no type at all.
    const mr = await fhir.create<Patient>({
      resourceType: 'Patient',
      identifier: [
        k.identifier,
        {
          system: MRN_SYSTEM,
          value: '12345',
          type: { coding: [{ system: V2_0203, code: 'MR' }, { system: 'urn:local:types', code: 'journal' }], text: 'Journalnummer' },
        },
      ],
    });
    const ss = await fhir.create<Patient>({
      resourceType: 'Patient',
      identifier: [k.identifier, { system: MRN_SYSTEM, value: '12345', type: { coding: [{ system: V2_0203, code: 'SS' }] } }],
    });
    const untyped = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier, { system: MRN_SYSTEM, value: '12345' }] });
    // A type coding without a system, and an MR identifier with another value.
    const local = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier, { value: '777', type: { coding: [{ code: 'MR' }] } }] });
    const other = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier, { value: '999', type: { coding: [{ system: V2_0203, code: 'MR' }] } }] });

    const ofType = (value: string) => `${k.param}&identifier:of-type=${enc(value)}`;
    await search.expectIds('Patient', ofType(`${V2_0203}|MR|12345`), [mr.id]);
    await search.expectIds('Patient', ofType('urn:local:types|journal|12345'), [mr.id]);
    await search.expectIds('Patient', ofType(`${V2_0203}|SS|12345`), [ss.id]);
    await search.expectIds('Patient', ofType(`${V2_0203}|MR|999`), [other.id]);
    await search.expectIds('Patient', ofType(`${V2_0203}|MR|12345,${V2_0203}|SS|12345`), [mr.id, ss.id]);
    // An empty type system is a type coding without one, as `|code` is for a token.
    await search.expectIds('Patient', ofType('|MR|777'), [local.id]);
    await search.expectIds('Patient', ofType(`${V2_0203}|MR|777`), []);
    // Type and value must be of the same identifier; the code is not a prefix.
    await search.expectIds('Patient', ofType(`${V2_0203}|MR|1234`), []);
    await search.expectIds('Patient', ofType(`${V2_0203}|SS|999`), []);

    // The rows that index types change no other token search of the parameter.
    await search.expectIds('Patient', `${k.param}&identifier=12345`, [mr.id, ss.id, untyped.id]);
    await search.expectIds('Patient', `${k.param}&identifier=${enc(`${MRN_SYSTEM}|12345`)}`, [mr.id, ss.id, untyped.id]);
    await search.expectIds('Patient', `${k.param}&identifier=${enc('|777')}`, [local.id]);
    await search.expectIds('Patient', `${k.param}&identifier=${enc(`${V2_0203}|`)}`, []);
    await search.expectIds('Patient', `${k.param}&identifier:not=12345`, [local.id, other.id]);
    await search.expectIds('Patient', `${k.param}&identifier:text=journal`, [mr.id]);
    const total = await search.get('Patient', `${k.param}&identifier=12345&_summary=count`);
    expect(total.body.total).toBe(3);

    // Through a chain: observations of the patient with that MR number.
    const obs = await fhir.create<Observation>({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${mr.id}` }, identifier: [k.identifier] });
    await search.expectIds('Observation', `${k.param}&subject:Patient.identifier:of-type=${enc(`${V2_0203}|MR|12345`)}`, [obs.id]);
  });

  test('bad forms and parameters that are not of identifiers are a 400 naming the parameter', async () => {
    for (const value of ['MR|12345', `${V2_0203}|MR|12345|x`, `${V2_0203}||12345`, `${V2_0203}|MR|`, '12345']) {
      const text = await search.expect400('Patient', `identifier:of-type=${enc(value)}`);
      expect(text, value).toMatch(/identifier/);
      expect(text, value).toMatch(/typeSystem\|typeCode\|value/);
    }
    // Token parameters of codes, and parameters of other kinds.
    expect(await search.expect400('Patient', `gender:of-type=${enc(`${V2_0203}|MR|x`)}`)).toMatch(/gender\\": :of-type is only for parameters of Identifier values/);
    expect(await search.expect400('Observation', `code:of-type=${enc(`${V2_0203}|MR|x`)}`)).toMatch(/parameter \\"code\\"/);
    expect(await search.expect400('Patient', `name:of-type=${enc(`${V2_0203}|MR|x`)}`)).toMatch(/parameter \\"name\\"/);
    expect(await search.expect400('Observation', `subject:of-type=${enc(`${V2_0203}|MR|x`)}`)).toMatch(/parameter \\"subject\\"/);
  });
});

describe('_text (narrative) and _content (the whole resource)', () => {
  const narrative = (html: string) => ({ status: 'generated' as const, div: `<div xmlns="http://www.w3.org/1999/xhtml">${html}</div>` });

  test('_text: every word begins a word of the narrative, case and accents ignored; tags and entities are not words', async () => {
    const k = newKey();
    const a = await fhir.create<Observation>({
      resourceType: 'Observation',
      status: 'final',
      identifier: [k.identifier],
      code: { text: 'Blodsukker' },
      text: narrative('<p>Glukosemåling hos pasient i <b>Tromsø</b>: 7,2 mmol/L &amp; stabil.</p>'),
    });
    const b = await fhir.create<Observation>({
      resourceType: 'Observation',
      status: 'final',
      identifier: [k.identifier],
      code: { text: 'Glukose' },
      text: narrative('<p>Blodtrykk m&aring;lt i Bod&oslash;, <span class="x">stabilt</span></p>'),
    });
    const none = await fhir.create<Observation>({ resourceType: 'Observation', status: 'final', identifier: [k.identifier], code: { text: 'Glukose Tromsø' } });

    await search.expectIds('Observation', `${k.param}&_text=glukose`, [a.id]);
    await search.expectIds('Observation', `${k.param}&_text=${enc('GLUKOSEMÅLING tromso')}`, [a.id]);
    await search.expectIds('Observation', `${k.param}&_text=${enc('tromsø stabil')}`, [a.id]);
    await search.expectIds('Observation', `${k.param}&_text=stabil`, [a.id, b.id]);
    // Entities are the characters they stand for: m&aring;lt is målt, Bod&oslash; is Bodø.
    await search.expectIds('Observation', `${k.param}&_text=${enc('målt bodo')}`, [b.id]);
    // Every word must be there; a word matches the start of a word, not its middle.
    await search.expectIds('Observation', `${k.param}&_text=${enc('glukose bodø')}`, []);
    await search.expectIds('Observation', `${k.param}&_text=maling`, []);
    // Tag names and attributes are not text.
    await search.expectIds('Observation', `${k.param}&_text=span`, []);
    await search.expectIds('Observation', `${k.param}&_text=xhtml`, []);
    // Commas are OR, as in any parameter.
    await search.expectIds('Observation', `${k.param}&_text=${enc('glukose,bodø')}`, [a.id, b.id]);
    // The code's text is not narrative.
    await search.expectIds('Observation', `${k.param}&_text=blodsukker`, []);
    await search.expectIds('Observation', `${k.param}&_text:missing=true`, [none.id]);
    await search.expectIds('Observation', `${k.param}&_text:missing=false`, [a.id, b.id]);
  });

  test('_content: words of the narrative and of string values, not of ids, references, systems or dates', async () => {
    const k = newKey();
    const patient = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Ødegård', given: ['Kari'] }] });
    const a = await fhir.create<Observation>({
      resourceType: 'Observation',
      status: 'final',
      identifier: [k.identifier],
      code: { coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose [Mass/volume] in Serum' }], text: 'Blodsukker' },
      subject: { reference: `Patient/${patient.id}`, display: 'Kari Ødegård' },
      effectiveDateTime: '2031-04-05T10:00:00Z',
      note: [{ text: 'Målt før frokost' }],
      text: narrative('<p>Fastende prøve</p>'),
    });
    const b = await fhir.create<Observation>({ resourceType: 'Observation', status: 'preliminary', identifier: [k.identifier], code: { text: 'Blodtrykk' }, valueString: 'Høyt, kontroll om en uke' });

    await search.expectIds('Observation', `${k.param}&_content=blodsukker`, [a.id]);
    await search.expectIds('Observation', `${k.param}&_content=${enc('glucose serum')}`, [a.id]);
    await search.expectIds('Observation', `${k.param}&_content=${enc('odegard kari frokost fastende')}`, [a.id]);
    await search.expectIds('Observation', `${k.param}&_content=${enc('2345-7')}`, [a.id]);
    await search.expectIds('Observation', `${k.param}&_content=${enc('høyt uke')}`, [b.id]);
    await search.expectIds('Observation', `${k.param}&_content=blod`, [a.id, b.id]);
    await search.expectIds('Observation', `${k.param}&_content=preliminary`, [b.id]);
    // Not text: the reference, the code system, the date, the resource type.
    await search.expectIds('Observation', `${k.param}&_content=${enc(patient.id.split('-')[0])}`, []);
    await search.expectIds('Observation', `${k.param}&_content=loinc`, []);
    await search.expectIds('Observation', `${k.param}&_content=2031`, []);
    await search.expectIds('Observation', `${k.param}&_content=observation`, []);
    // On Patient too, and chained.
    await search.expectIds('Patient', `${k.param}&_content=${enc('ødegård')}`, [patient.id]);
    await search.expectIds('Observation', `${k.param}&subject:Patient._content=${enc('kari odegard')}`, [a.id]);
    const count = await search.get('Observation', `${k.param}&_content=blod&_summary=count`);
    expect(count.body.total).toBe(2);
  });

  test('an update replaces the words; a deletion removes them', async () => {
    const k = newKey();
    const obs = await fhir.create<Observation>({ resourceType: 'Observation', status: 'final', identifier: [k.identifier], code: { text: 'Vekt' }, text: narrative('Vekt før') });
    await search.expectIds('Observation', `${k.param}&_text=vekt`, [obs.id]);
    const updated = await fhir.request('PUT', `Observation/${obs.id}`, { ...obs, text: narrative('Høyde etter'), code: { text: 'Høyde' } });
    expect(updated.status).toBe(200);
    await search.expectIds('Observation', `${k.param}&_text=vekt`, []);
    await search.expectIds('Observation', `${k.param}&_content=vekt`, []);
    await search.expectIds('Observation', `${k.param}&_text=hoyde`, [obs.id]);
    expect((await fhir.request('DELETE', `Observation/${obs.id}`)).status).toBeLessThan(300);
    await search.expectIds('Observation', `${k.param}&_content=hoyde`, []);
  });

  test('modifiers other than :missing, values without words, and sorting are a 400 naming the parameter', async () => {
    for (const modifier of ['exact', 'contains', 'not', 'text']) {
      expect(await search.expect400('Observation', `_content:${modifier}=glukose`), modifier).toMatch(/_content/);
      expect(await search.expect400('Observation', `_text:${modifier}=glukose`), modifier).toMatch(/_text/);
    }
    expect(await search.expect400('Observation', `_content=${enc('-- ,')}`)).toMatch(/_content.*word/);
    expect(await search.expect400('Observation', '_text=')).toMatch(/_text/);
    expect(await search.expect400('Observation', '_sort=_content')).toMatch(/_content/);
    // Bundles have no narrative.
    expect(await search.expect400('Bundle', '_text=x')).toMatch(/_text/);
  });

  test('the CapabilityStatement lists both, :of-type on identifier parameters, and _contained', async () => {
    type Param = { name: string; type: string; definition?: string; documentation?: string };
    const metadata = await fhir.get<{ rest: { documentation?: string; resource: { type: string; searchParam?: Param[] }[] }[] }>('metadata');
    const observation = metadata.body.rest[0].resource.find((r) => r.type === 'Observation');
    expect(observation?.searchParam).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: '_text', type: 'string', definition: 'http://hl7.org/fhir/SearchParameter/DomainResource-text' }),
        expect.objectContaining({ name: '_content', type: 'string', definition: 'http://hl7.org/fhir/SearchParameter/Resource-content' }),
      ])
    );
    const param = (type: string, name: string) => metadata.body.rest[0].resource.find((r) => r.type === type)?.searchParam?.find((p) => p.name === name);
    expect(param('Patient', 'identifier')?.documentation).toMatch(/:of-type=typeSystem\|typeCode\|value/);
    expect(param('Patient', 'gender')?.documentation).toBeUndefined();
    expect(param('Bundle', '_text')).toBeUndefined();
    expect(metadata.body.rest[0].documentation).toMatch(/_contained=false \(default\), true or both/);
  });

  test('subscription criteria match words and identifier types in memory exactly as search finds them', async () => {
    const k = newKey();
    const made = await Promise.all(
      [
        { div: 'Glukose målt i Tromsø', type: 'MR', value: 'a1', note: 'fastende' },
        { div: 'Glukosemåling, Bodø', type: 'SS', value: 'a1', note: 'etter frokost' },
        { div: 'Blodtrykk', type: 'MR', value: 'b2', note: 'Tromsø' },
      ].map((x) =>
        fhir.create<Observation>({
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'Måling' },
          identifier: [k.identifier, { value: x.value, type: { coding: [{ system: V2_0203, code: x.type }] } }],
          note: [{ text: x.note }],
          text: narrative(x.div),
        })
      )
    );
    const registry = env.server.services.store.registry;
    // Each criteria with the number of the three it selects.
    const criteria: [string, number][] = [
      ['_text=glukose', 2],
      ['_text=glukose tromsø', 1],
      ['_content=tromso', 2],
      ['_content=frokost bodø', 1],
      ['_text:missing=true', 0],
      [`identifier:of-type=${V2_0203}|MR|a1`, 1],
      [`identifier:of-type=${V2_0203}|SS|a1,${V2_0203}|MR|b2`, 2],
    ];
    for (const [c, count] of criteria) {
      const compiled = Criteria.compile(registry, parseSearch('Observation', queryRecord(c.replace(/=(.*)$/, (_m, v: string) => `=${enc(v)}`))));
      const matched = made.filter((o) => compiled.matches(matchSubject(registry, o))).map((o) => o.id);
      const found = await search.ids('Observation', `${k.param}&${c.replace(/=(.*)$/, (_m, v: string) => `=${enc(v)}`)}`);
      expect(matched.sort(), c).toEqual(found.sort());
      expect(found.length, c).toBe(count);
    }
    expect(() => Criteria.compile(registry, parseSearch('Observation', queryRecord('_contained=true')))).toThrow(/_contained/);
  });
});
