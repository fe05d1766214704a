import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Identifier, Observation } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import type { FhirClient, JsonResponse } from '../support/fhir-client.ts';

/** Identifier system that tags every resource a test creates, so searches can be scoped to one test. */
export const KEY_SYSTEM = 'urn:kp:search-test';

/** A fresh key and the identifier that carries it. */
export function newKey(): { key: string; identifier: Identifier; param: string } {
  const key = randomUUID();
  return { key, identifier: { system: KEY_SYSTEM, value: key }, param: `identifier=${KEY_SYSTEM}|${key}` };
}

export type Key = ReturnType<typeof newKey>;

/** A final Observation tagged with the test's key (LOINC 2345-7 unless `extra` says otherwise). */
export function keyedObservation(key: Key, extra: Partial<Observation>): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    identifier: [key.identifier],
    code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] },
    ...extra,
  };
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Ids of the entries of a searchset whose search mode is `match`, in bundle order. */
export function matchIds(bundle: Bundle): string[] {
  return (bundle.entry ?? [])
    .filter((e: BundleEntry) => e.search?.mode === 'match')
    .map((e: BundleEntry) => e.resource?.id as string);
}

export function link(bundle: Bundle, relation: string): string | undefined {
  return bundle.link?.find((l) => l.relation === relation)?.url;
}

/**
 * Search helpers: every query is sent both as GET and as POST _search with a form body, and the
 * two must agree. Queries are raw query strings; the caller encodes values that need it.
 */
export class Searcher {
  readonly fhir: FhirClient;
  constructor(fhir: FhirClient) {
    this.fhir = fhir;
  }

  get(type: string, query: string, headers?: Record<string, string>): Promise<JsonResponse<Bundle>> {
    return this.fhir.get<Bundle>(`${type}?${query}`, headers);
  }

  post(type: string, body: string, headers?: Record<string, string>, urlQuery = ''): Promise<JsonResponse<Bundle>> {
    return this.fhir.post<Bundle>(`${type}/_search${urlQuery ? `?${urlQuery}` : ''}`, body, { ...FORM, ...headers });
  }

  /** Ids matched by GET and by POST _search (asserted equal, both 200), in the order GET returned them. */
  async ids(type: string, query: string, headers?: Record<string, string>): Promise<string[]> {
    const [viaGet, viaPost] = await Promise.all([this.get(type, query, headers), this.post(type, query, headers)]);
    expect(viaGet.status, `GET ${type}?${query}: ${viaGet.text}`).toBe(200);
    expect(viaPost.status, `POST ${type}/_search ${query}: ${viaPost.text}`).toBe(200);
    expect(viaGet.body.resourceType).toBe('Bundle');
    expect(viaGet.body.type).toBe('searchset');
    const getIds = matchIds(viaGet.body);
    expect([...matchIds(viaPost.body)].sort(), `POST and GET differ for ${query}`).toEqual([...getIds].sort());
    return getIds;
  }

  /** Asserts the set of matched ids equals `expected` (order ignored). */
  async expectIds(type: string, query: string, expected: string[], headers?: Record<string, string>): Promise<void> {
    const got = await this.ids(type, query, headers);
    expect([...got].sort(), `${type}?${query}`).toEqual([...expected].sort());
  }

  /** Asserts that GET and POST both answer 400 with an OperationOutcome; returns the GET outcome's text. */
  async expect400(type: string, query: string, headers?: Record<string, string>): Promise<string> {
    const [viaGet, viaPost] = await Promise.all([this.get(type, query, headers), this.post(type, query, headers)]);
    expect(viaGet.status, `GET ${type}?${query}: ${viaGet.text}`).toBe(400);
    expect(viaPost.status, `POST ${type}/_search ${query}: ${viaPost.text}`).toBe(400);
    expect((viaGet.body as unknown as { resourceType: string }).resourceType).toBe('OperationOutcome');
    expect((viaPost.body as unknown as { resourceType: string }).resourceType).toBe('OperationOutcome');
    return viaGet.text;
  }
}

export const enc = encodeURIComponent;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
