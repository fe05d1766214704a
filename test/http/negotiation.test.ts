import http from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FhirClient } from '../support/fhir-client.ts';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';
import type { TestServer } from '../support/server.ts';
import { startTestServer, useTestServer } from '../support/server.ts';

const env = useTestServer();
const fhir = env.fhir;

const patient = (n: number, family = 'Forhandlingsen'): Patient => ({
  resourceType: 'Patient',
  identifier: [{ system: FNR_SYSTEM, value: syntheticFnr(n) }],
  name: [{ family, given: ['Ola'] }],
  gender: 'male',
  birthDate: '1962-03-04',
});

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request over node:http, which (unlike fetch) never decodes the body, so compression is visible. */
function raw(method: string, url: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode as number, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) {
      req.write(body);
    }
    req.end();
  });
}

/** Total of a search, counted by the server. */
async function total(query: string): Promise<number> {
  const res = await fhir.get(`${query}${query.includes('?') ? '&' : '?'}_total=accurate&_count=0`);
  expect(res.status).toBe(200);
  return res.body.total as number;
}

function expectOutcome(res: { status: number; headers: Headers; body: any }, status: number, text?: RegExp): void {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/fhir+json');
  expect(res.body?.resourceType).toBe('OperationOutcome');
  expect(res.body.issue?.[0]?.severity).toBe('error');
  if (text) {
    expect(res.body.issue[0].details?.text).toMatch(text);
  }
}

describe('request bodies', () => {
  test('a body sent as application/fhir+json is accepted', async () => {
    const res = await fhir.post<Patient>('Patient', patient(1), { 'content-type': 'application/fhir+json' });
    expect(res.status).toBe(201);
    expect(res.body.identifier?.[0].value).toBe(syntheticFnr(1));
  });

  test('a body sent as application/json is accepted, also with charset and fhirVersion parameters', async () => {
    const plain = await fhir.post<Patient>('Patient', patient(2), { 'content-type': 'application/json' });
    expect(plain.status).toBe(201);
    expect(plain.body.identifier?.[0].value).toBe(syntheticFnr(2));
    const charset = await fhir.post<Patient>('Patient', patient(3), { 'content-type': 'application/fhir+json; charset=utf-8' });
    expect(charset.status).toBe(201);
    const version = await fhir.post<Patient>('Patient', patient(4), { 'content-type': 'application/fhir+json; fhirVersion=4.0' });
    expect(version.status).toBe(201);
    const read = await fhir.get<Patient>(`Patient/${plain.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.name?.[0].family).toBe('Forhandlingsen');
  });

  test('non-ASCII text in a JSON body is stored and returned unchanged', async () => {
    const created = await fhir.create({ ...patient(5), name: [{ family: 'Ærøskøbing-Åsen', given: ['Bjørn'] }] });
    const read = await fhir.get<Patient>(`Patient/${created.id}`);
    expect(read.body.name?.[0]).toEqual({ family: 'Ærøskøbing-Åsen', given: ['Bjørn'] });
  });

  test('an XML body (application/fhir+xml or application/xml) is 415 with an OperationOutcome, and nothing is stored', async () => {
    const before = await total('Patient');
    const xml = '<Patient xmlns="http://hl7.org/fhir"><gender value="male"/></Patient>';
    for (const type of ['application/fhir+xml', 'application/xml']) {
      const res = await fhir.post('Patient', xml, { 'content-type': type });
      expectOutcome(res, 415, /XML|media type/i);
    }
    const put = await fhir.put('Patient/xml-body', xml, { 'content-type': 'application/fhir+xml' });
    expectOutcome(put, 415);
    expect(await total('Patient')).toBe(before);
    expect((await fhir.get('Patient/xml-body')).status).toBe(404);
  });
});

describe('response media type', () => {
  test('is application/fhir+json by default, with no Accept header and with Accept: */*', async () => {
    const created = await fhir.create(patient(10));
    for (const accept of [undefined, '*/*', 'application/fhir+json', 'application/fhir+json, application/json', 'application/*']) {
      const res = await fetch(`${env.server.base}/Patient/${created.id}`, { headers: accept ? { accept } : {} });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
      expect(((await res.json()) as Patient).id).toBe(created.id);
    }
  });

  test('is application/json when Accept asks only for application/json (with or without a q value)', async () => {
    const created = await fhir.create(patient(11));
    for (const accept of ['application/json', 'application/json;q=0.9']) {
      const read = await fhir.get<Patient>(`Patient/${created.id}`, { accept });
      expect(read.status).toBe(200);
      expect(read.headers.get('content-type')).toMatch(/^application\/json/);
      expect(read.body.id).toBe(created.id);
    }
    const search = await fhir.get(`Patient?_id=${created.id}`, { accept: 'application/json' });
    expect(search.headers.get('content-type')).toMatch(/^application\/json/);
    expect(search.body.resourceType).toBe('Bundle');
    const write = await fhir.post('Patient', patient(12), { accept: 'application/json' });
    expect(write.status).toBe(201);
    expect(write.headers.get('content-type')).toMatch(/^application\/json/);
  });

  test('_format=json and _format=application/fhir+json are honoured; _format=application/json gives plain JSON', async () => {
    const created = await fhir.create(patient(13));
    const json = await fhir.get<Patient>(`Patient/${created.id}?_format=json`, { accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(json.body.id).toBe(created.id);
    const fhirJson = await fhir.get(`Patient?_id=${created.id}&_format=${encodeURIComponent('application/fhir+json')}`);
    expect(fhirJson.status).toBe(200);
    expect(fhirJson.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(fhirJson.body.entry).toHaveLength(1);
    const plain = await fhir.get(`Patient/${created.id}?_format=application/json`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
  });

  test('_format=xml (and other XML forms) is 406 with an OperationOutcome', async () => {
    const created = await fhir.create(patient(14));
    for (const format of ['xml', 'application/fhir+xml', 'application/xml', 'text/xml']) {
      const res = await fhir.get(`Patient/${created.id}?_format=${encodeURIComponent(format)}`);
      expectOutcome(res, 406, /XML/);
    }
    expectOutcome(await fhir.get('Patient?_format=xml'), 406, /XML/);
    expectOutcome(await fhir.get('metadata?_format=xml'), 406, /XML/);
  });

  test('Accept: application/fhir+xml is 406 with an OperationOutcome in JSON', async () => {
    const created = await fhir.create(patient(15));
    for (const accept of ['application/fhir+xml', 'application/xml', 'text/xml']) {
      const res = await fhir.get(`Patient/${created.id}`, { accept });
      expectOutcome(res, 406, /XML/);
    }
    expectOutcome(await fhir.get('Patient', { accept: 'application/fhir+xml' }), 406);
  });

  test('an unknown _format or an Accept the server cannot produce is 406', async () => {
    expectOutcome(await fhir.get('Patient?_format=html'), 406, /html/);
    expectOutcome(await fhir.get('Patient', { accept: 'text/html' }), 406, /text\/html/);
  });

  test('a write that asks for an XML response is refused before anything is stored', async () => {
    const before = await total('Patient');
    const byFormat = await fhir.post('Patient?_format=xml', patient(16));
    expectOutcome(byFormat, 406, /XML/);
    const byAccept = await fhir.post('Patient', patient(17), { accept: 'application/fhir+xml' });
    expectOutcome(byAccept, 406, /XML/);
    const byPut = await fhir.put('Patient/xml-answer', { ...patient(18), id: 'xml-answer' }, { accept: 'application/fhir+xml' });
    expectOutcome(byPut, 406, /XML/);
    // A client told "406" must be able to retry without creating duplicates.
    expect(await total('Patient')).toBe(before);
    expect((await fhir.get('Patient/xml-answer')).status).toBe(404);
  });
});

describe('request body limit', () => {
  let small: TestServer;
  let client: FhirClient;
  beforeAll(async () => {
    small = await startTestServer({ bodyLimit: 4096 });
    client = new FhirClient(small.base);
  });
  afterAll(async () => {
    await small?.close();
  });

  test('a body over the limit is 413 with an OperationOutcome; nothing is stored and the server keeps serving', async () => {
    const fits = await client.post<Patient>('Patient', patient(20));
    expect(fits.status).toBe(201);
    const large = { ...patient(21), name: [{ family: 'x'.repeat(5000) }] };
    const res = await client.post('Patient', large);
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].code).toBe('too-long');
    expect(res.headers.get('x-request-id')).toBeTruthy();

    const put = await client.put('Patient/too-big', { ...large, id: 'too-big' });
    expect(put.status).toBe(413);
    expect(put.body.resourceType).toBe('OperationOutcome');

    const after = await client.get(`Patient?_total=accurate&_count=0`);
    expect(after.status).toBe(200);
    expect(after.body.total).toBe(1);
    expect((await client.get('Patient/too-big')).status).toBe(404);
    const again = await client.post('Patient', patient(22));
    expect(again.status).toBe(201);
    expect((await client.get(`Patient/${fits.body.id}`)).status).toBe(200);
  });

  test('a body just under the limit is accepted', async () => {
    const body = JSON.stringify({ ...patient(23), name: [{ family: 'y'.repeat(3500) }] });
    expect(Buffer.byteLength(body)).toBeLessThan(4096);
    const res = await client.post('Patient', body);
    expect(res.status).toBe(201);
  });

  test('a chunked body over the limit (no Content-Length) is 413 too', async () => {
    const big = JSON.stringify({ ...patient(24), name: [{ family: 'z'.repeat(8000) }] });
    // Chunked transfer (no Content-Length at all): the limit must still apply while streaming.
    const res = await raw('POST', `${small.base}/Patient`, { 'content-type': 'application/fhir+json', 'transfer-encoding': 'chunked' }, big);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString()).resourceType).toBe('OperationOutcome');
    expect((await client.get('Patient?_count=0')).status).toBe(200);
  });
});

describe('compression', () => {
  const family = 'Komprimert';
  beforeAll(async () => {
    // Enough patients that a search page is well over 64 KiB, so every compression path is used.
    for (let batch = 0; batch < 12; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          fhir.create({
            ...patient(100 + batch * 10 + i, family),
            address: [{ line: ['Storgata 1'.padEnd(400, '.')], city: 'Oslo', postalCode: '0150' }],
          })
        )
      );
    }
  });

  async function compare(path: string, encoding: 'gzip' | 'deflate'): Promise<{ plain: Buffer; encoded: RawResponse }> {
    const plain = await raw('GET', `${env.server.base}/${path}`, { 'accept-encoding': 'identity' });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const encoded = await raw('GET', `${env.server.base}/${path}`, { 'accept-encoding': encoding });
    expect(encoded.status).toBe(200);
    expect(encoded.headers['content-encoding']).toBe(encoding);
    expect(encoded.headers['content-type']).toContain('application/fhir+json');
    expect(encoded.body.length).toBeGreaterThan(0);
    expect(encoded.body.length).toBeLessThan(plain.body.length);
    const decoded = encoding === 'gzip' ? gunzipSync(encoded.body) : inflateSync(encoded.body);
    expect(decoded.toString('utf8')).toBe(plain.body.toString('utf8'));
    return { plain: plain.body, encoded };
  }

  test('a small search bundle (a few KiB) is gzipped when asked, and decodes to the uncompressed body', async () => {
    const { plain } = await compare(`Patient?family=${family}&_count=8&_sort=_id`, 'gzip');
    expect(plain.length).toBeGreaterThan(1024);
    expect(JSON.parse(plain.toString()).entry).toHaveLength(8);
  });

  test('a large search bundle (over 64 KiB) is gzipped when asked, and decodes to the uncompressed body', async () => {
    const { plain } = await compare(`Patient?family=${family}&_count=120&_sort=_id`, 'gzip');
    expect(plain.length).toBeGreaterThan(65536);
    expect(JSON.parse(plain.toString()).entry).toHaveLength(120);
  });

  test('a medium search bundle (16-64 KiB) is gzipped when asked, and decodes to the uncompressed body', async () => {
    const { plain } = await compare(`Patient?family=${family}&_count=40&_sort=_id`, 'gzip');
    expect(plain.length).toBeGreaterThan(16384);
    expect(JSON.parse(plain.toString()).entry).toHaveLength(40);
  });

  test('the CapabilityStatement (large) is gzipped and decodes to the uncompressed body', async () => {
    const { plain } = await compare('metadata', 'gzip');
    expect(JSON.parse(plain.toString()).resourceType).toBe('CapabilityStatement');
  });

  test('deflate is offered as well', async () => {
    await compare(`Patient?family=${family}&_count=120&_sort=_id`, 'deflate');
  });

  test('fetch (which asks for gzip by default) gets the full large bundle', async () => {
    const res = await fetch(`${env.server.base}/Patient?family=${family}&_count=120&_sort=_id`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.length).toBeGreaterThan(65536);
    expect((JSON.parse(text) as { entry: unknown[] }).entry).toHaveLength(120);
  });

  test('without Accept-Encoding, or for a small body, the response is not compressed', async () => {
    const large = await raw('GET', `${env.server.base}/Patient?family=${family}&_count=20`);
    expect(large.status).toBe(200);
    expect(large.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(large.body.toString()).entry).toHaveLength(20);
    const small = await raw('GET', `${env.server.base}/Patient/does-not-exist`, { 'accept-encoding': 'gzip' });
    expect(small.status).toBe(404);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(small.body.toString()).resourceType).toBe('OperationOutcome');
  });
});

describe('X-Request-Id', () => {
  test('every response carries one: success, created, not modified, client errors, unknown routes, health, metadata', async () => {
    const created = await fhir.post<Patient>('Patient', patient(30));
    const responses = [
      created,
      await fhir.get(`Patient/${created.body.id}`),
      await fhir.get(`Patient/${created.body.id}`, { 'if-none-match': 'W/"1"' }),
      await fhir.get('Patient?_count=0'),
      await fhir.get('Patient/nope'),
      await fhir.get('NoSuchType'),
      await fhir.get('Patient?birthdate=notadate'),
      await fhir.get('Patient', { accept: 'application/fhir+xml' }),
      await fhir.post('Patient', '<Patient/>', { 'content-type': 'application/fhir+xml' }),
      await fhir.post('Patient', '{not json'),
      await fhir.request('OPTIONS', 'Patient'),
      await fhir.get(`${env.server.root}/no/such/path`),
      await fhir.get(`${env.server.root}/healthz`),
      await fhir.get('metadata', { 'accept-encoding': 'identity' }),
      await fhir.delete(`Patient/${created.body.id}`),
      await fhir.get(`Patient/${created.body.id}`),
    ];
    expect(responses.map((r) => r.status)).toEqual([201, 200, 304, 200, 404, 404, 400, 406, 415, 400, 404, 404, 200, 200, 200, 410]);
    const ids = responses.map((r) => r.headers.get('x-request-id'));
    for (const id of ids) {
      expect(id).toMatch(/^[\w.-]{1,128}$/);
    }
    // Generated ids are unique per request.
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('an incoming X-Request-Id of safe characters is echoed, on success and on error', async () => {
    const ok = await fhir.get('Patient?_count=0', { 'x-request-id': 'trace-ABC_1.2' });
    expect(ok.headers.get('x-request-id')).toBe('trace-ABC_1.2');
    const notFound = await fhir.get('Patient/nope', { 'x-request-id': 'kommune-0301.req-42' });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('x-request-id')).toBe('kommune-0301.req-42');
    const tooLong = 'a'.repeat(128);
    expect((await fhir.get('metadata', { 'x-request-id': tooLong, 'accept-encoding': 'identity' })).headers.get('x-request-id')).toBe(tooLong);
  });

  test('an unsafe or overlong incoming X-Request-Id is replaced with a generated one', async () => {
    for (const given of ['bad id <script>', 'a'.repeat(129), 'x;y=z', '']) {
      const res = await fhir.get('Patient?_count=0', { 'x-request-id': given });
      expect(res.status).toBe(200);
      const id = res.headers.get('x-request-id');
      expect(id).not.toBe(given);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('health', () => {
  test('GET /healthz answers 200 {status: "ok"} with the storage engine', async () => {
    const res = await fetch(`${env.server.root}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('json');
    const body = (await res.json()) as { status: string; storage: string };
    expect(body.status).toBe('ok');
    expect(typeof body.storage).toBe('string');
    expect(body.storage.length).toBeGreaterThan(0);
  });
});
