import type { Resource } from '@medplum/fhirtypes';

/** A response with its parsed JSON body (undefined when the body is empty). */
export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** Minimal FHIR HTTP helper over fetch, so tests read like the requests a client sends. */
export class FhirClient {
  private readonly baseOf: () => string;
  /** `base` may be a function, for a client made before its server has started. */
  constructor(base: string | (() => string)) {
    this.baseOf = typeof base === 'string' ? () => base : base;
  }

  get base(): string {
    return this.baseOf();
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
    const init: RequestInit = { method, headers: { accept: 'application/fhir+json', ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/fhir+json';
    }
    const res = await fetch(path.startsWith('http') ? path : `${this.base}/${path.replace(/^\//, '')}`, init);
    const text = await res.text();
    let parsed: T | undefined;
    try {
      parsed = text ? (JSON.parse(text) as T) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  get<T = any>(path: string, headers?: Record<string, string>): Promise<JsonResponse<T>> {
    return this.request<T>('GET', path, undefined, headers);
  }
  post<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<JsonResponse<T>> {
    return this.request<T>('POST', path, body, headers);
  }
  put<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<JsonResponse<T>> {
    return this.request<T>('PUT', path, body, headers);
  }
  patch<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<JsonResponse<T>> {
    return this.request<T>('PATCH', path, body, headers);
  }
  delete<T = any>(path: string, headers?: Record<string, string>): Promise<JsonResponse<T>> {
    return this.request<T>('DELETE', path, undefined, headers);
  }

  /** Creates a resource and returns it as stored; fails the test on any status but 201. */
  async create<T extends Resource>(resource: T): Promise<T & { id: string }> {
    const res = await this.post<T & { id: string }>(resource.resourceType, resource);
    if (res.status !== 201) {
      throw new Error(`create ${resource.resourceType} answered ${res.status}: ${res.text}`);
    }
    return res.body;
  }
}
