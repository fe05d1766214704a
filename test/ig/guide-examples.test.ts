import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Lexer } from 'marked';
import type { Token, Tokens } from 'marked';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fenceLanguage } from '../../implementation-guide/markdown.ts';
import { OAuthTestClient } from '../support/oauth.ts';
import type { ReceivedRequest } from '../support/receiver.ts';
import { TestReceiver } from '../support/receiver.ts';
import type { TestServer } from '../support/server.ts';
import { fastDeliverySettings } from '../support/subscriptions.ts';
import { startTestServerAtOwnAddress } from '../support/server.ts';

/**
 * Runs every example of the integration guides (implementation-guide/pages/vendors.md and epj.md)
 * against a live server with authentication on, real clients, tokens and DPoP proofs, and a real
 * receiver for the EPJ's subscription; each answer must be what the page shows.
 *
 * The syntax of the examples, fenced blocks whose info string starts with `http` and a role:
 *
 *   ```http request [as=vendor]      a request: `METHOD /path HTTP/1.1`, headers, a blank line, a body
 *   ```http response                 its expected answer; must be the next code block after the request
 *   ```http notification             a request the hub sends to the EPJ's receiver
 *   ```ts verify-signature           (epj.md) the receiver's signature check, run on every notification
 *
 * Every ```http block must have one of these roles, so an example cannot drop out of the run by losing
 * its label. A request is sent by the page's client (vendors.md: the vendor `vft-demo`; epj.md: the
 * EPJ `epj-demo`), or by the client `as=` names.
 *
 * Placeholders `{name}` (lower case, digits, underscores):
 * - in a request, `{dpop_proof}` is a fresh proof signed with the sending client's DPoP key for the
 *   request's method and URL (and, with `Authorization: DPoP <token>`, that token's hash);
 *   `{client_assertion}` a fresh assertion of the page's client for the token endpoint; every other
 *   name must already have a value, or the example fails;
 * - in an expected response or notification, a name with a value must match it; a name without one
 *   matches any text and takes it as its value for the examples after it (`{alarm_id}`,
 *   `{access_token}`);
 * - values given before a page runs: `{base}` (the FHIR base), `{notification_endpoint}`,
 *   `{signing_secret}`, `{receiver_token}`, and in epj.md `{vendor_access_token}`.
 *
 * Matching: the status code of the status line; each header shown (name case-insensitive, value a
 * pattern); the body, when shown, as JSON: objects by the keys shown (more in the answer is fine),
 * lists element by element and of the same length unless the last element shown is "…", strings
 * and header values as patterns in which `…` matches any text. A notification matches the first
 * received request not matched before that fits (method, path, headers, body); its signature is
 * checked with the page's own verify-signature code, which must also refuse a changed body.
 *
 * The pages run in one server, EPJ first: it publishes the safety-alarm service that gives the
 * vendor its need-to-know (tjenstlig behov) for the patient in the vendors' examples.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Vars = Map<string, string>;

interface HttpMessage {
  startLine: string;
  headers: [string, string][];
  body: string;
}

interface Example {
  /** Where it is, for messages: the heading above it and its number on the page. */
  label: string;
  kind: 'exchange' | 'notification';
  /** The request (exchange) or the notification the receiver must get. */
  message: HttpMessage;
  response?: HttpMessage;
  as?: string;
  passed: boolean;
}

interface GuidePage {
  file: string;
  examples: Example[];
  /** The ```ts verify-signature block, if the page has one. */
  verifySource?: string;
}

const PAGES_DIR = new URL('../../implementation-guide/pages/', import.meta.url).pathname;
const MUNICIPALITY = '920000002';
const PLACEHOLDER = /\{([a-z][a-z0-9_]*)\}/g;

/** At least this many examples per page: what the pages hold as written, so none can silently disappear. */
const MINIMUM_EXAMPLES: Record<string, { exchanges: number; notifications: number }> = {
  'epj.md': { exchanges: 10, notifications: 3 },
  'vendors.md': { exchanges: 13, notifications: 0 },
};

function parseMessage(text: string, label: string): HttpMessage {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const startLine = lines.shift()?.trim() ?? '';
  const headers: [string, string][] = [];
  while (lines.length > 0 && lines[0].trim() !== '') {
    const line = lines.shift() as string;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw new Error(`${label}: "${line}" is not a header line`);
    }
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return { startLine, headers, body: lines.join('\n').trim() };
}

/** Code blocks in document order, with the heading above each, as marked (the renderer's parser) sees them. */
function codeBlocks(source: string): { token: Tokens.Code; heading: string }[] {
  const found: { token: Tokens.Code; heading: string }[] = [];
  let heading = '';
  const walk = (tokens: Token[]) => {
    for (const token of tokens) {
      if (token.type === 'heading') {
        heading = (token as Tokens.Heading).text;
      } else if (token.type === 'code') {
        found.push({ token: token as Tokens.Code, heading });
      }
      const nested = (token as { tokens?: Token[] }).tokens;
      const items = (token as { items?: Token[] }).items;
      if (nested) {
        walk(nested);
      }
      if (items) {
        walk(items);
      }
    }
  };
  walk(new Lexer({ gfm: true }).lex(source));
  return found;
}

export function parseGuidePage(file: string, source: string): GuidePage {
  const page: GuidePage = { file, examples: [] };
  const blocks = codeBlocks(source);
  for (let i = 0; i < blocks.length; i++) {
    const { token, heading } = blocks[i];
    const words = (token.lang ?? '').trim().split(/\s+/);
    const language = fenceLanguage(token.lang);
    if (language === 'ts' && words[1] === 'verify-signature') {
      if (page.verifySource !== undefined) {
        throw new Error(`${file}: more than one verify-signature block`);
      }
      page.verifySource = token.text;
      continue;
    }
    if (language !== 'http') {
      continue;
    }
    const role = words[1];
    const options = Object.fromEntries(words.slice(2).map((w) => w.split('=') as [string, string]));
    const label = `${file} #${page.examples.length + 1} (${heading})`;
    if (role === 'request') {
      const next = blocks[i + 1];
      const nextWords = (next?.token.lang ?? '').trim().split(/\s+/);
      if (!next || nextWords[0] !== 'http' || nextWords[1] !== 'response') {
        throw new Error(`${label}: a request block must be followed by its \`\`\`http response block`);
      }
      page.examples.push({
        label,
        kind: 'exchange',
        message: parseMessage(token.text, label),
        response: parseMessage(next.token.text, label),
        as: options.as,
        passed: false,
      });
      i++;
    } else if (role === 'notification') {
      page.examples.push({ label, kind: 'notification', message: parseMessage(token.text, label), passed: false });
    } else {
      throw new Error(`${file}: an \`\`\`http block under "${heading}" is "${words.join(' ')}": every http block is a request (followed by its response) or a notification`);
    }
  }
  return page;
}

const pages = ['epj.md', 'vendors.md'].map((file) => parseGuidePage(file, readFileSync(join(PAGES_DIR, file), 'utf8')));

// ---------------------------------------------------------------------------------------------
// Patterns: strings with placeholders and `…`

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches `actual` against a pattern string; new placeholders are added to `bound`. */
function matchString(pattern: string, actual: string, vars: Vars, bound: Vars): boolean {
  const names: string[] = [];
  let regex = '';
  let last = 0;
  for (const m of pattern.matchAll(/\{([a-z][a-z0-9_]*)\}|…/g)) {
    regex += escapeRegExp(pattern.slice(last, m.index));
    last = (m.index ?? 0) + m[0].length;
    if (m[0] === '…') {
      regex += '[\\s\\S]*?';
      continue;
    }
    const name = m[1];
    const known = vars.get(name) ?? bound.get(name);
    if (known !== undefined) {
      regex += escapeRegExp(known);
    } else if (names.includes(name)) {
      regex += `\\k<${name}>`;
    } else {
      names.push(name);
      regex += `(?<${name}>[\\s\\S]+?)`;
    }
  }
  regex += escapeRegExp(pattern.slice(last));
  const match = new RegExp(`^${regex}$`).exec(actual);
  if (!match) {
    return false;
  }
  for (const name of names) {
    bound.set(name, match.groups?.[name] ?? '');
  }
  return true;
}

const isObject = (v: Json): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compares the JSON shown with the JSON received; returns what differs (empty: a match). */
function matchJson(expected: Json, actual: Json | undefined, path: string, vars: Vars, bound: Vars): string[] {
  if (typeof expected === 'string') {
    return typeof actual === 'string' && matchString(expected, actual, vars, bound) ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) {
      return [`${path}: expected a list, got ${JSON.stringify(actual)}`];
    }
    const open = expected.at(-1) === '…';
    const shown = open ? expected.slice(0, -1) : expected;
    if (open ? actual.length < shown.length : actual.length !== shown.length) {
      return [`${path}: expected ${open ? 'at least ' : ''}${shown.length} elements, got ${actual.length}: ${JSON.stringify(actual)}`];
    }
    return shown.flatMap((e, i) => matchJson(e, actual[i], `${path}[${i}]`, vars, bound));
  }
  if (isObject(expected)) {
    if (actual === undefined || !isObject(actual)) {
      return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    }
    return Object.entries(expected).flatMap(([key, value]) => matchJson(value, actual[key], `${path}.${key}`, vars, bound));
  }
  return expected === actual ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

/** Headers shown must be there with matching values. */
function matchHeaders(expected: [string, string][], actual: (name: string) => string | undefined, vars: Vars, bound: Vars): string[] {
  return expected.flatMap(([name, pattern]) => {
    const value = actual(name);
    return value !== undefined && matchString(pattern, value, vars, bound) ? [] : [`header ${name}: expected "${pattern}", got ${JSON.stringify(value)}`];
  });
}

function matchBody(expected: string, actualText: string, vars: Vars, bound: Vars): string[] {
  if (expected === '') {
    return [];
  }
  let actual: Json;
  try {
    actual = JSON.parse(actualText) as Json;
  } catch {
    return [`body: expected JSON, got ${JSON.stringify(actualText.slice(0, 200))}`];
  }
  return matchJson(JSON.parse(expected) as Json, actual, 'body', vars, bound);
}

// ---------------------------------------------------------------------------------------------
// Running the examples

/** Fills the placeholders of a request; `escape` keeps values valid inside JSON strings. */
function fill(text: string, vars: Vars, label: string, escape: (value: string) => string = (v) => v, computed: Record<string, string> = {}): string {
  return text.replace(PLACEHOLDER, (_all, name: string) => {
    const value = computed[name] ?? vars.get(name);
    if (value === undefined) {
      throw new Error(`${label}: the request uses {${name}}, which no earlier example or the test has given a value`);
    }
    return escape(value);
  });
}

interface Context {
  server: TestServer;
  clients: Record<string, OAuthTestClient>;
  pageClient: OAuthTestClient;
  receiver: TestReceiver;
  verify: (secret: string, header: string, body: string) => boolean;
  consumed: Set<ReceivedRequest>;
}

async function runExchange(example: Example, vars: Vars, ctx: Context): Promise<void> {
  const { message, label } = example;
  const response = example.response as HttpMessage;
  const [method, target] = fill(message.startLine, vars, label).split(/\s+/);
  const url = `${ctx.server.root}${target}`;
  const client = example.as ? ctx.clients[example.as] : ctx.pageClient;
  if (!client) {
    throw new Error(`${label}: no client "${example.as}"`);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of message.headers) {
    if (value !== '{dpop_proof}') {
      headers[name] = fill(value, vars, label);
    }
  }
  // The proof is made last: it covers the method, the URL and the token the request carries.
  const dpopHeader = message.headers.find(([, value]) => value === '{dpop_proof}');
  if (dpopHeader) {
    const token = /^DPoP\s+(\S+)$/.exec(headers.Authorization ?? '')?.[1];
    headers[dpopHeader[0]] = await client.proof(method, url.split('?')[0], token);
  }
  const form = /x-www-form-urlencoded/.test(headers['Content-Type'] ?? '');
  const body = message.body
    ? fill(message.body, vars, label, form ? (v) => v : (v) => JSON.stringify(v).slice(1, -1), form ? { client_assertion: await client.assertion() } : {})
    : undefined;
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();

  const bound: Vars = new Map();
  const expectedStatus = Number(/^HTTP\/[\d.]+\s+(\d{3})/.exec(response.startLine)?.[1]);
  const problems = [
    ...(res.status === expectedStatus ? [] : [`status: expected ${expectedStatus}, got ${res.status}`]),
    ...matchHeaders(response.headers, (name) => res.headers.get(name) ?? undefined, vars, bound),
    ...matchBody(response.body, text, vars, bound),
  ];
  expect(problems, `${label}: ${method} ${target}\n${text.slice(0, 2000)}`).toEqual([]);
  for (const [name, value] of bound) {
    vars.set(name, value);
  }
}

/** Whether a received request is the notification shown; on a match, its placeholders' values. */
function matchNotification(example: Example, received: ReceivedRequest, vars: Vars): { bound: Vars; problems: string[] } {
  const bound: Vars = new Map();
  const [method, target] = example.message.startLine.split(/\s+/);
  const path = new URL(fill(target, vars, example.label)).pathname;
  const problems = [
    ...(received.method === method ? [] : [`method: expected ${method}, got ${received.method}`]),
    ...(received.path === path ? [] : [`path: expected ${path}, got ${received.path}`]),
  ];
  if (problems.length === 0) {
    problems.push(...matchHeaders(example.message.headers, (name) => {
      const value = received.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    }, vars, bound));
    problems.push(...matchBody(example.message.body, received.body, vars, bound));
  }
  return { bound, problems };
}

async function runNotification(example: Example, vars: Vars, ctx: Context): Promise<void> {
  let matched: { request: ReceivedRequest; bound: Vars } | undefined;
  let lastProblems: string[][] = [];
  const attempt = (requests: ReceivedRequest[]): boolean => {
    lastProblems = [];
    for (const request of requests) {
      if (ctx.consumed.has(request)) {
        continue;
      }
      const { bound, problems } = matchNotification(example, request, vars);
      if (problems.length === 0) {
        matched = { request, bound };
        return true;
      }
      lastProblems.push(problems);
    }
    return false;
  };
  await ctx.receiver.waitFor(attempt, 10_000).catch(() => undefined);
  expect(matched, `${example.label}: no notification received matches; the others differ by:\n${JSON.stringify(lastProblems, null, 1)}`).toBeDefined();
  const { request, bound } = matched as { request: ReceivedRequest; bound: Vars };
  ctx.consumed.add(request);
  // The receiver's side, as the guide tells it: the signature holds for this body and secret only.
  const signature = String(request.headers['x-knutepunkt-signature'] ?? '');
  const secret = vars.get('signing_secret') as string;
  expect(ctx.verify(secret, signature, request.body), `${example.label}: the guide's verify-signature refuses the hub's signature`).toBe(true);
  expect(ctx.verify(secret, signature, `${request.body} `), `${example.label}: the guide's verify-signature accepts a changed body`).toBe(false);
  expect(ctx.verify(`${secret}x`, signature, request.body), `${example.label}: the guide's verify-signature accepts another secret`).toBe(false);
  for (const [name, value] of bound) {
    vars.set(name, value);
  }
}

// ---------------------------------------------------------------------------------------------

let server: TestServer;
let receiver: TestReceiver;
let vendor: OAuthTestClient;
let epj: OAuthTestClient;
let verify: Context['verify'];
const consumed = new Set<ReceivedRequest>();
const scratch = mkdtempSync(join(tmpdir(), 'knutepunkt-guide-'));

beforeAll(async () => {
  server = await startTestServerAtOwnAddress({ ...fastDeliverySettings(undefined), auth: 'on', defaultProfiles: true, syntheticIdentifiers: true });
  receiver = await new TestReceiver().start();
  epj = await OAuthTestClient.register(server, { id: 'epj-demo', tenant: MUNICIPALITY, role: 'epj' });
  vendor = await OAuthTestClient.register(server, { id: 'vft-demo', tenant: MUNICIPALITY, role: 'vendor', serviceCodes: ['TA'] });
  // The guide's own code, as a reader would paste it into a module.
  const source = pages.find((p) => p.file === 'epj.md')?.verifySource;
  if (!source) {
    throw new Error('epj.md has no ```ts verify-signature block');
  }
  const file = join(scratch, 'verify-signature.ts');
  writeFileSync(file, source);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const fn = Object.values(module).find((v) => typeof v === 'function');
  if (typeof fn !== 'function') {
    throw new Error('the verify-signature block exports no function');
  }
  verify = fn as Context['verify'];
});

afterAll(async () => {
  await server?.close();
  await receiver?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

for (const page of pages) {
  describe(`${page.file}: every example against a live server`, () => {
    const vars: Vars = new Map();
    beforeAll(async () => {
      vars.set('base', server.base);
      vars.set('notification_endpoint', `${receiver.url}/notifications`);
      vars.set('signing_secret', randomBytes(32).toString('base64url'));
      vars.set('receiver_token', randomBytes(16).toString('hex'));
      if (page.file === 'epj.md') {
        vars.set('vendor_access_token', await vendor.login());
      }
    });
    for (const example of page.examples) {
      const title = example.kind === 'exchange' ? `${example.label}: ${example.message.startLine}` : `${example.label}: notification`;
      test(title, async () => {
        const ctx: Context = { server, clients: { vendor, epj }, pageClient: page.file === 'epj.md' ? epj : vendor, receiver, verify, consumed };
        if (example.kind === 'exchange') {
          await runExchange(example, vars, ctx);
        } else {
          await runNotification(example, vars, ctx);
        }
        example.passed = true;
      });
    }
  });
}

test('every example of both guides was run and answered as shown, and none has gone missing', () => {
  for (const page of pages) {
    const exchanges = page.examples.filter((e) => e.kind === 'exchange').length;
    const notifications = page.examples.filter((e) => e.kind === 'notification').length;
    expect(exchanges, `${page.file}: requests with responses`).toBeGreaterThanOrEqual(MINIMUM_EXAMPLES[page.file].exchanges);
    expect(notifications, `${page.file}: notifications`).toBeGreaterThanOrEqual(MINIMUM_EXAMPLES[page.file].notifications);
    expect(page.examples.filter((e) => !e.passed).map((e) => e.label)).toEqual([]);
  }
});

describe('the example syntax', () => {
  test('an http block without a role, or a request without its response, is an error, not a skipped example', () => {
    expect(() => parseGuidePage('x.md', '# X\n\n```http\nGET /fhir/metadata HTTP/1.1\n```\n')).toThrow(/every http block/);
    expect(() => parseGuidePage('x.md', '# X\n\n```http request\nGET /fhir/metadata HTTP/1.1\n```\n\ntext\n')).toThrow(/followed by its/);
  });

  test('patterns: known values must match, new names take what is there, … matches anything, "…" ends an open list', () => {
    const vars: Vars = new Map([['base', 'http://h/fhir']]);
    const bound: Vars = new Map();
    expect(matchJson({ a: '{base}/P/{id}', b: ['x', '…'], c: 'W/"…"' }, { a: 'http://h/fhir/P/7', b: ['x', 'y'], c: 'W/"2"', d: 1 }, 'body', vars, bound)).toEqual([]);
    expect(bound.get('id')).toBe('7');
    expect(matchJson({ a: '{base}/P/{id}' }, { a: 'http://other/fhir/P/7' }, 'body', vars, new Map())).toHaveLength(1);
    expect(matchJson({ b: ['x'] }, { b: ['x', 'y'] }, 'body', vars, new Map())).toHaveLength(1);
    expect(matchJson({ n: 1 }, { n: 2 }, 'body', vars, new Map())).toHaveLength(1);
  });
});
