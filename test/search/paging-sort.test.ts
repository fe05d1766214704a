import type { Bundle, Observation, Patient } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, test } from 'vitest';
import { useTestServer } from '../support/server.ts';
import { link, matchIds, newKey, Searcher, sleep } from './helpers.ts';
import type { Key } from './helpers.ts';

const env = useTestServer();
const fhir = env.fhir;
const search = new Searcher(fhir);


async function patient(key: Key, family: string | undefined, birthDate?: string, given?: string): Promise<string> {
  const p: Patient = { resourceType: 'Patient', identifier: [key.identifier] };
  if (family || given) {
    p.name = [{ ...(family ? { family } : {}), ...(given ? { given: [given] } : {}) }];
  }
  if (birthDate) {
    p.birthDate = birthDate;
  }
  return (await fhir.create(p)).id;
}

async function getBundle(url: string): Promise<Bundle> {
  const res = await fhir.get<Bundle>(url);
  expect(res.status, `${url}: ${res.text}`).toBe(200);
  return res.body;
}

/** Follows next links from the first page; returns the ids of each page. */
async function walk(first: string, between?: (page: number, ids: string[]) => Promise<void>): Promise<string[][]> {
  const pages: string[][] = [];
  let url: string | undefined = first;
  while (url) {
    const bundle = await getBundle(url);
    const ids = matchIds(bundle);
    pages.push(ids);
    expect(pages.length, 'too many pages').toBeLessThan(50);
    url = link(bundle, 'next');
    if (url && between) {
      await between(pages.length, ids);
    }
  }
  return pages;
}

describe('_sort', () => {
  let key: Key;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    key = newKey();
    ids.berg1960 = await patient(key, 'Berg', '1960-05-01', 'Ola');
    ids.aas1990 = await patient(key, 'Aas', '1990-01-01', 'Per');
    ids.berg1940 = await patient(key, 'Berg', '1940-12-24', 'Anne');
    ids.dahl1975 = await patient(key, 'Dahl', '1975-07-14', 'Kari');
    ids.noData = await patient(key, undefined);
  });

  test('ascending by date; resources without the value are still returned', async () => {
    const got = await search.ids('Patient', `${key.param}&_sort=birthdate`);
    expect(got.slice(0, 4)).toEqual([ids.berg1940, ids.berg1960, ids.dahl1975, ids.aas1990]);
    expect(got).toHaveLength(5);
    expect(got).toContain(ids.noData);
  });

  test('descending by date', async () => {
    const got = await search.ids('Patient', `${key.param}&_sort=-birthdate`);
    expect(got.filter((id) => id !== ids.noData)).toEqual([ids.aas1990, ids.dahl1975, ids.berg1960, ids.berg1940]);
    expect(got).toHaveLength(5);
  });

  test('by string, ascending and descending', async () => {
    const asc = (await search.ids('Patient', `${key.param}&_sort=family`)).filter((id) => id !== ids.noData);
    expect(asc[0]).toBe(ids.aas1990);
    expect(asc.slice(1, 3).sort()).toEqual([ids.berg1960, ids.berg1940].sort());
    expect(asc[3]).toBe(ids.dahl1975);
    const desc = (await search.ids('Patient', `${key.param}&_sort=-family`)).filter((id) => id !== ids.noData);
    expect(desc[0]).toBe(ids.dahl1975);
    expect(desc[3]).toBe(ids.aas1990);
  });

  test('by several parameters: the second breaks ties of the first', async () => {
    const a = (await search.ids('Patient', `${key.param}&_sort=family,birthdate`)).filter((id) => id !== ids.noData);
    expect(a).toEqual([ids.aas1990, ids.berg1940, ids.berg1960, ids.dahl1975]);
    const b = (await search.ids('Patient', `${key.param}&_sort=family,-birthdate`)).filter((id) => id !== ids.noData);
    expect(b).toEqual([ids.aas1990, ids.berg1960, ids.berg1940, ids.dahl1975]);
    const c = (await search.ids('Patient', `${key.param}&_sort=-family,given`)).filter((id) => id !== ids.noData);
    expect(c).toEqual([ids.dahl1975, ids.berg1940, ids.berg1960, ids.aas1990]);
  });

  test('by a token (gender)', async () => {
    const k = newKey();
    const male = (await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], gender: 'male' })).id;
    const female = (await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], gender: 'female' })).id;
    const unknown = (await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], gender: 'unknown' })).id;
    expect(await search.ids('Patient', `${k.param}&_sort=gender`)).toEqual([female, male, unknown]);
    expect(await search.ids('Patient', `${k.param}&_sort=-gender`)).toEqual([unknown, male, female]);
  });

  test('by _lastUpdated and _id', async () => {
    const k = newKey();
    const first = await patient(k, 'X');
    await sleep(5);
    const second = await patient(k, 'Y');
    await sleep(5);
    const third = await patient(k, 'Z');
    expect(await search.ids('Patient', `${k.param}&_sort=_lastUpdated`)).toEqual([first, second, third]);
    expect(await search.ids('Patient', `${k.param}&_sort=-_lastUpdated`)).toEqual([third, second, first]);
    expect(await search.ids('Patient', `${k.param}&_sort=_id`)).toEqual([first, second, third].sort());
    expect(await search.ids('Patient', `${k.param}&_sort=-_id`)).toEqual([first, second, third].sort().reverse());
  });

  test('sorting by an unknown parameter is 400', async () => {
    const text = await search.expect400('Patient', '_sort=shoe-size');
    expect(text).toContain('shoe-size');
  });
});

describe('_count and links', () => {
  let key: Key;
  let all: string[];
  beforeAll(async () => {
    key = newKey();
    all = [];
    for (let i = 0; i < 7; i++) {
      all.push(await patient(key, `Side${i}`));
    }
  });

  test('next links walk every match once, in pages of _count; the last page has no next', async () => {
    const pages = await walk(`Patient?${key.param}&_count=3`);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const flat = pages.flat();
    expect(new Set(flat).size).toBe(flat.length);
    expect([...flat].sort()).toEqual([...all].sort());
  });

  test('the first page has a self link and no previous link', async () => {
    const bundle = await getBundle(`Patient?${key.param}&_count=3`);
    expect(link(bundle, 'self')).toContain('_count=3');
    expect(link(bundle, 'self')).toContain(env.server.base);
    expect(link(bundle, 'previous')).toBeUndefined();
    expect(link(bundle, 'next')).toContain(`${env.server.base}/Patient?`);
  });

  test('previous from the second page leads back to exactly the first page; from the third to the second', async () => {
    const first = await getBundle(`Patient?${key.param}&_count=3`);
    const second = await getBundle(link(first, 'next') as string);
    expect(link(second, 'previous')).toBeDefined();
    const back = await getBundle(link(second, 'previous') as string);
    expect(matchIds(back)).toEqual(matchIds(first));
    expect(link(back, 'previous')).toBeUndefined();
    // And forward again from the page reached backwards.
    const forward = await getBundle(link(back, 'next') as string);
    expect(matchIds(forward)).toEqual(matchIds(second));

    const third = await getBundle(link(second, 'next') as string);
    const backToSecond = await getBundle(link(third, 'previous') as string);
    expect(matchIds(backToSecond)).toEqual(matchIds(second));
  });

  test('paging in a sorted search keeps the sort order across pages', async () => {
    const pages = await walk(`Patient?${key.param}&_sort=-family&_count=2`);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);
    const single = await search.ids('Patient', `${key.param}&_sort=-family&_count=100`);
    expect(pages.flat()).toEqual(single);
    expect(single[0]).toBe(all[6]);
    expect(single[6]).toBe(all[0]);
  });

  test('the next link of a POST _search is a GET that continues the same search', async () => {
    const res = await search.post('Patient', `${key.param}&_count=4`);
    expect(res.status).toBe(200);
    const next = link(res.body, 'next') as string;
    expect(next).toBeDefined();
    const second = await getBundle(next);
    expect([...matchIds(res.body), ...matchIds(second)].sort()).toEqual([...all].sort());
    expect(link(second, 'next')).toBeUndefined();
  });

  test('_total=accurate gives the exact count on every page; without it there is no total', async () => {
    const first = await getBundle(`Patient?${key.param}&_count=3&_total=accurate`);
    expect(first.total).toBe(7);
    expect(first.entry).toHaveLength(3);
    const second = await getBundle(link(first, 'next') as string);
    expect(second.total).toBe(7);
    const none = await getBundle(`Patient?${key.param}&_count=3&_total=none`);
    expect(none.total).toBeUndefined();
    const est = await getBundle(`Patient?${key.param}&_total=estimate`);
    expect(typeof est.total).toBe('number');
  });

  test('_summary=count gives the total and no entries', async () => {
    const res = await search.get('Patient', `${key.param}&_summary=count`);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(7);
    expect(res.body.entry).toBeUndefined();
    const post = await search.post('Patient', `${key.param}&_summary=count`);
    expect(post.body.total).toBe(7);
    expect(post.body.entry).toBeUndefined();
  });

  test('_count=0 returns no entries and no next link; with _total=accurate it still counts', async () => {
    const res = await getBundle(`Patient?${key.param}&_count=0`);
    expect(res.entry).toBeUndefined();
    expect(link(res, 'next')).toBeUndefined();
    const counted = await getBundle(`Patient?${key.param}&_count=0&_total=accurate`);
    expect(counted.total).toBe(7);
    expect(counted.entry).toBeUndefined();
  });

  test('default page size is 20, and _count=1000 is allowed', async () => {
    const k = newKey();
    for (let i = 0; i < 21; i++) {
      await patient(k, `Mange${i}`);
    }
    const first = await getBundle(`Patient?${k.param}`);
    expect(first.entry).toHaveLength(20);
    expect(link(first, 'next')).toBeDefined();
    const big = await getBundle(`Patient?${k.param}&_count=1000`);
    expect(big.entry).toHaveLength(21);
    expect(link(big, 'next')).toBeUndefined();
  });

  test('invalid _count, _total, _summary and _cursor values are 400', async () => {
    for (const q of ['_count=abc', '_count=5000', '_count=1001', '_count=-1', '_count=2.5', '_total=bogus', '_summary=bogus', '_count=1&_count=2']) {
      const text = await search.expect400('Patient', q);
      expect(text).toContain(q.split('=')[0]);
    }
    for (const cursor of ['garbage', 'bm90LWpzb24', Buffer.from('[0,[1,2]]').toString('base64url'), Buffer.from('[0,["a","b","c","d","e"]]').toString('base64url')]) {
      const text = await search.expect400('Patient', `${key.param}&_cursor=${cursor}`);
      expect(text).toContain('_cursor');
    }
  });

  test('a cursor with the right shape but a value of the wrong type is 400, not 500', async () => {
    const cursor = Buffer.from(JSON.stringify([0, ['not-a-number']])).toString('base64url');
    await search.expect400('Patient', `${key.param}&_cursor=${cursor}`);
    const sorted = Buffer.from(JSON.stringify([0, ['not-a-date', '1']])).toString('base64url');
    await search.expect400('Patient', `${key.param}&_sort=birthdate&_cursor=${sorted}`);
  });
});

describe('links carry the search faithfully', () => {
  test('values with &, + and spaces survive the round trip through next and self links', async () => {
    const k = newKey();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: `Hansen & Sønn+${i}` }] })).id);
    }
    await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Hansen' }] });
    const query = `${k.param}&family=${encodeURIComponent('Hansen & Sønn+')}&_count=1`;
    const first = await getBundle(`Patient?${query}`);
    expect(matchIds(first)).toHaveLength(1);
    const self = await getBundle(link(first, 'self') as string);
    expect(matchIds(self)).toEqual(matchIds(first));
    const pages = await walk(`Patient?${query}`);
    expect(pages.flat().sort()).toEqual([...ids].sort());
  });

  test('a dateTime with a +01:00 zone survives the next link', async () => {
    const k = newKey();
    const obs = [];
    for (let i = 0; i < 2; i++) {
      obs.push(
        (
          await fhir.create({
            resourceType: 'Observation',
            status: 'final',
            identifier: [k.identifier],
            code: { text: 'x' },
            effectiveDateTime: '2024-03-10T12:30:45Z',
          })
        ).id
      );
    }
    const pages = await walk(`Observation?${k.param}&date=${encodeURIComponent('2024-03-10T13:30:45+01:00')}&_count=1`);
    expect(pages.flat().sort()).toEqual(obs.sort());
  });

  test('_format and _pretty are accepted and do not filter', async () => {
    const k = newKey();
    const id = (await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier] })).id;
    expect(await search.ids('Patient', `${k.param}&_format=json&_pretty=true`)).toEqual([id]);
  });
});

describe('paging stability while resources are created and deleted', () => {
  async function stabilityRun(sort: string): Promise<void> {
    const key = newKey();
    const stable: string[] = [];
    const volatile: string[] = [];
    const families = ['Lie', 'Moen', 'Berg', 'Haugen', 'Aas', 'Strand', 'Dahl', 'Eide', 'Vik', 'Lund', 'Holm', 'Berge'];
    for (let i = 0; i < 12; i++) {
      stable.push(await patient(key, families[i], `19${50 + i}-0${1 + (i % 9)}-1${i % 10}`));
      volatile.push(await patient(key, families[(i * 5) % 12], `19${60 + i}-01-01`));
    }
    let created = 0;
    const pages = await walk(`Patient?${key.param}${sort}&_count=4`, async (page, ids) => {
      // Delete volatile resources just seen (including, when it is one, the cursor row), and one not yet seen.
      for (const id of ids.filter((x) => volatile.includes(x))) {
        expect((await fhir.delete(`Patient/${id}`)).status).toBe(200);
        volatile.splice(volatile.indexOf(id), 1);
      }
      const unseen = volatile.pop();
      if (unseen) {
        expect((await fhir.delete(`Patient/${unseen}`)).status).toBe(200);
      }
      // Create new ones that sort before, among and after what has been seen.
      for (const family of ['Aa', 'Kvam', 'Zahl']) {
        await patient(key, `${family}${page}`, `19${55 + page}-06-15`);
        created++;
      }
      // Update a stable resource without changing what it sorts by.
      const s = stable[page % stable.length];
      const current = (await fhir.get<Patient>(`Patient/${s}`)).body;
      expect((await fhir.put(`Patient/${s}`, { ...current, gender: page % 2 ? 'male' : 'female' })).status).toBe(200);
    });
    const flat = pages.flat();
    const stableSeen = flat.filter((id) => stable.includes(id));
    expect(new Set(flat).size, 'no resource is repeated').toBe(flat.length);
    expect([...stableSeen].sort(), 'every resource that existed throughout is seen').toEqual([...stable].sort());
    expect(created).toBeGreaterThan(0);
  }

  test('default order', async () => {
    await stabilityRun('');
  });

  test('sorted by family', async () => {
    await stabilityRun('&_sort=family');
  });

  test('sorted by -birthdate, family', async () => {
    await stabilityRun('&_sort=-birthdate,family');
  });
});

describe('counting one condition from the index alone', () => {
  test('_summary=count counts resources, not index rows: a code twice in one resource counts once, a deleted one not at all', async () => {
    const key = newKey();
    const make = (codings: { system: string; code: string; display?: string }[]) =>
      fhir.create<Observation>({ resourceType: 'Observation', status: 'final', identifier: [key.identifier], code: { coding: codings } });
    const code = `count-${key.key.slice(0, 8)}`;
    await make([{ system: 'urn:kp:count', code, display: 'en' }, { system: 'urn:kp:count', code, display: 'to' }]);
    await make([{ system: 'urn:kp:count', code }]);
    const gone = await make([{ system: 'urn:kp:count', code }]);
    expect((await fhir.delete(`Observation/${gone.id}`)).status).toBe(200);
    const count = await fhir.get<Bundle>(`Observation?code=urn:kp:count|${code}&_summary=count`);
    expect(count.body.total).toBe(2);
    // With a second condition the count reads the resources; the two ways agree.
    const both = await fhir.get<Bundle>(`Observation?code=urn:kp:count|${code}&${key.param}&_summary=count`);
    expect(both.body.total).toBe(2);
    const page = await fhir.get<Bundle>(`Observation?code=urn:kp:count|${code}&_total=accurate`);
    expect(page.body.total).toBe(2);
    expect(page.body.entry).toHaveLength(2);
  });
});
