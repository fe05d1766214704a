/**
 * The implementation guide in a real browser (Debian's chromium driven by playwright-core), served by
 * the server's own /ig/ route: every page loads without console errors, page errors or failed
 * requests; every internal link, asset and #anchor resolves; axe-core finds no serious or critical
 * accessibility violation; the alarm profile's tables show its StructureDefinition's cardinalities;
 * the search box finds profiles by Norwegian words (over http and from plain files); Mermaid diagrams
 * render; and screenshots of the home and the alarm profile page are written to test-results/ig/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { StructureDefinition } from '@medplum/fhirtypes';
import type { AxeResults, ElementContext, RunOptions } from 'axe-core';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildGuide } from '../../implementation-guide/site.ts';
import type { BuildResult } from '../../implementation-guide/site.ts';
import { ensureChromium } from '../../scripts/ensure-chromium.ts';
import { registerGuide } from '../../server/http/guide-routes.ts';
import { PROFILE_BUILD_DIR } from '../../server/validation/profile-registry.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCREENSHOTS = join(ROOT, 'test-results', 'ig');
const AXE_SCRIPT = join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const ALARM_PROFILE = 'StructureDefinition-wt-detectedissue';
/** Pages loaded at once: one browser tab per core of the machines this runs on. */
const TABS = 2;

let outDir: string;
let result: BuildResult;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  // ensureChromium may install Debian's package when run as root; otherwise it says how to.
  const executablePath = ensureChromium();
  outDir = mkdtempSync(join(tmpdir(), 'kp-ig-browser-'));
  result = buildGuide({ outDir });
  // Connections the crawl's fetches left open to reuse must not hold up the server's close.
  app = Fastify({ forceCloseConnections: true });
  await registerGuide(app, outDir);
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/ig/`;
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
}, 300_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await app?.close();
  if (outDir) {
    rmSync(outDir, { recursive: true, force: true });
  }
});

/** What went wrong while one page loaded. */
interface Problems {
  console: string[];
  requests: string[];
}

/** A tab that records console errors, page errors and failed requests of whatever it loads. */
async function recordingTab(): Promise<{ page: Page; problems: Problems }> {
  const page = await context.newPage();
  const problems: Problems = { console: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') {
      const at = message.location().url;
      problems.console.push(`console: ${message.text()}${at ? ` (${at})` : ''}`);
    }
  });
  page.on('pageerror', (error) => problems.console.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.requests.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`));
  page.on('response', (response) => {
    if (response.status() >= 400) {
      problems.requests.push(`${response.url()}: ${response.status()}`);
    }
  });
  return { page, problems };
}

/** What the crawl learns of one page in the browser. */
interface PageFacts {
  ids: string[];
  /** Raw href/src values of links, stylesheets, scripts and images. */
  refs: string[];
  diagrams: number;
  renderedDiagrams: number;
}

interface AxeGlobal {
  run(context: ElementContext, options: RunOptions): Promise<AxeResults>;
}

async function pageFacts(page: Page): Promise<PageFacts> {
  return page.evaluate(() => {
    const refs = [...document.querySelectorAll('a[href], link[href]')].map((e) => e.getAttribute('href') ?? '');
    refs.push(...[...document.querySelectorAll('script[src], img[src]')].map((e) => e.getAttribute('src') ?? ''));
    return {
      ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
      refs,
      diagrams: document.querySelectorAll('pre.mermaid').length,
      renderedDiagrams: document.querySelectorAll('pre.mermaid svg').length,
    };
  });
}

/** The serious and critical axe-core violations of the loaded page, one line each. */
async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE_SCRIPT });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: AxeGlobal }).axe;
    // A closed <details> (the JSON of a resource) is not rendered, so there is nothing in it to
    // check; leaving its thousands of highlighted tokens out saves most of axe's time on a profile.
    const results = await axe.run({ include: [document], exclude: [['details:not([open]) > pre']] }, { resultTypes: ['violations'] });
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}×, e.g. ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')})`);
  });
}

describe('the implementation guide in Chromium', () => {
  test('every page loads without errors, its links, assets and anchors resolve, and axe finds no serious violation', async () => {
    const files = result.pages.map((p) => p.file);
    expect(files.length).toBeGreaterThan(120);
    const failures: string[] = [];
    const violations: string[] = [];
    const idsByPath = new Map<string, Set<string>>();
    /** Every internal reference: the page it is on, as written, and as resolved. */
    const references: { from: string; raw: string; url: URL }[] = [];
    let diagrams = 0;

    const queue = [...files];
    const tab = async () => {
      const { page, problems } = await recordingTab();
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        problems.console.length = 0;
        problems.requests.length = 0;
        const url = new URL(file, base);
        const response = await page.goto(url.href, { waitUntil: 'load' });
        if (response?.status() !== 200) {
          failures.push(`${file}: HTTP ${response?.status()}`);
          continue;
        }
        if ((await page.locator('pre.mermaid').count()) > 0) {
          // Mermaid renders after load; a diagram that never becomes an SVG is a failure below.
          await page.waitForFunction(() => [...document.querySelectorAll('pre.mermaid')].every((pre) => pre.querySelector('svg')), undefined, { timeout: 15_000 }).catch(() => undefined);
        }
        const facts = await pageFacts(page);
        idsByPath.set(url.pathname, new Set(facts.ids));
        diagrams += facts.diagrams;
        if (facts.renderedDiagrams !== facts.diagrams) {
          failures.push(`${file}: ${facts.diagrams - facts.renderedDiagrams} of ${facts.diagrams} Mermaid diagrams did not render`);
        }
        for (const raw of facts.refs) {
          // A scheme (https:, mailto:) leaves the site; everything else must resolve here.
          if (!/^[a-z][a-z0-9+.-]*:/i.test(raw)) {
            references.push({ from: file, raw, url: new URL(raw, url) });
          }
        }
        for (const line of await accessibilityViolations(page)) {
          violations.push(`${file}: ${line}`);
        }
        failures.push(...problems.console.map((p) => `${file}: ${p}`), ...problems.requests.map((p) => `${file}: request ${p}`));
      }
      await page.close();
    };
    await Promise.all(Array.from({ length: TABS }, tab));

    // Every file referred to answers 200 (each once), and every #anchor exists on its page.
    const statuses = new Map<string, number>();
    for (const { url } of references) {
      const target = url.origin + url.pathname;
      if (!statuses.has(target)) {
        const response = await fetch(target);
        // The body is not needed; left unread, it would hold the connection open and the server's close.
        await response.body?.cancel();
        statuses.set(target, response.status);
      }
    }
    for (const { from, raw, url } of references) {
      const status = statuses.get(url.origin + url.pathname);
      if (status !== 200) {
        failures.push(`${from}: link ${raw} → HTTP ${status}`);
      } else if (url.hash && url.pathname.endsWith('.html')) {
        const ids = idsByPath.get(url.pathname);
        if (!ids?.has(decodeURIComponent(url.hash.slice(1)))) {
          failures.push(`${from}: link ${raw} → no such anchor`);
        }
      }
    }
    expect.soft(failures, 'load errors, failed requests, broken links').toEqual([]);
    expect.soft(violations, 'serious and critical axe-core violations').toEqual([]);
    expect(references.length).toBeGreaterThan(1000);
    expect(statuses.size).toBeGreaterThan(files.length);
    expect(diagrams, 'the home page draws its flows with Mermaid').toBeGreaterThan(0);
    // 60-95 s here, alone or beside the rest of the suite on two cores: room for a busier machine.
  }, 300_000);

  test('the accessibility check finds what it should (a planted image without alt text and grey-on-grey text)', async () => {
    const page = await context.newPage();
    await page.setContent('<!DOCTYPE html><html lang="en"><title>t</title><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><p style="color:#aaa;background:#bbb">faint</p></main></html>');
    const found = await accessibilityViolations(page);
    expect(found.some((v) => v.includes('image-alt'))).toBe(true);
    expect(found.some((v) => v.includes('color-contrast'))).toBe(true);
    await page.close();
  });

  test('the alarm profile page shows the differential and the snapshot with the cardinalities of the StructureDefinition', async () => {
    const sd = JSON.parse(readFileSync(join(PROFILE_BUILD_DIR, `${ALARM_PROFILE}.json`), 'utf8')) as StructureDefinition;
    const snapshot = sd.snapshot?.element ?? [];
    const differential = sd.differential?.element ?? [];
    const cardinality = new Map(snapshot.map((e) => [e.id ?? '', `${e.min}..${e.max}`]));
    const page = await context.newPage();
    await page.goto(new URL(`${ALARM_PROFILE}.html`, base).href);
    /** The rows of a tree table as the browser shows them: element id and the Card. column's text. */
    const rows = async (view: string) => {
      const table = page.locator(`table.tree[data-view="${view}"]`);
      expect(await table.isVisible(), `${view} table is shown`).toBe(true);
      const headers = await table.locator('thead th').allInnerTexts();
      const column = headers.findIndex((h) => h.trim() === 'Card.');
      expect(column, `${view} table has a Card. column`).toBeGreaterThan(0);
      return table.locator('tbody tr').evaluateAll(
        (trs, at) => trs.map((tr) => [tr.getAttribute('data-path') ?? '', (tr as HTMLTableRowElement).cells[at]?.innerText.trim() ?? ''] as const),
        column,
      );
    };

    const snapshotRows = await rows('snapshot');
    expect(snapshotRows.map(([id]) => id)).toEqual(snapshot.map((e) => e.id));
    for (const [id, card] of snapshotRows) {
      expect(card, id).toBe(cardinality.get(id));
    }

    const differentialRows = new Map(await rows('differential'));
    for (const element of differential) {
      const id = element.id ?? '';
      expect(differentialRows.get(id), id).toBe(cardinality.get(id));
      // Where the profile sets a cardinality itself, the table shows that one.
      if (element.min !== undefined) {
        expect(differentialRows.get(id)?.split('..')[0], id).toBe(String(element.min));
      }
      if (element.max !== undefined) {
        expect(differentialRows.get(id)?.split('..')[1], id).toBe(element.max);
      }
    }
    expect(differentialRows.get('DetectedIssue.code')).toBe('1..1');
    expect(differentialRows.has('DetectedIssue.mitigation')).toBe(false);
    expect(snapshotRows.find(([id]) => id === 'DetectedIssue.mitigation')?.[1]).toBe('0..*');
    await page.close();
  });

  /** Norwegian words from profiles' titles and descriptions, and the profile page each must find. */
  const searches: [string, string][] = [
    ['besøksplan', 'StructureDefinition-wt-besoksplan.html'],
    ['trygghetsalarm', 'StructureDefinition-wt-device.html'],
    ['pasientinfo', 'StructureDefinition-wt-patient.html'],
    ['varsel', `${ALARM_PROFILE}.html`],
  ];

  test('the search box on the home page finds profiles by Norwegian words, and is usable by keyboard', async () => {
    const { page, problems } = await recordingTab();
    await page.goto(new URL('index.html', base).href);
    const box = page.getByLabel('Search', { exact: true });
    expect(await box.isVisible()).toBe(true);
    for (const [word, target] of searches) {
      await box.fill(word);
      const hit = page.locator(`#site-search-results a[href="${target}"]`);
      await hit.waitFor({ timeout: 10_000 });
      expect(await hit.innerText(), word).not.toBe('');
    }
    expect(await page.locator('#site-search-status').innerText()).toMatch(/match/);

    // Arrow down moves into the results, Enter follows the focused one.
    await box.fill('besøksplan');
    await page.locator('#site-search-results a').first().waitFor();
    await box.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement?.closest('#site-search-results') ? document.activeElement.getAttribute('href') : null);
    expect(focused).toMatch(/wt-besoksplan/);
    await Promise.all([page.waitForURL((url) => url.pathname.endsWith(`/${focused}`)), page.keyboard.press('Enter')]);

    // Escape closes the list.
    await box.fill('trygghetsalarm');
    await page.locator('#site-search-results a').first().waitFor();
    await box.press('Escape');
    expect(await page.locator('.search-panel').isVisible()).toBe(false);

    // A word no page has says so.
    await box.fill('zzzqqqxx');
    await page.locator('.search-empty').waitFor();
    expect(problems.console).toEqual([]);
    expect(problems.requests).toEqual([]);
    await page.close();
  });

  test('the search box works when the guide is opened as plain files', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(join(outDir, 'index.html')).href);
    await page.getByLabel('Search', { exact: true }).fill('besøksplan');
    await page.locator('#site-search-results a[href="StructureDefinition-wt-besoksplan.html"]').waitFor({ timeout: 10_000 });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('screenshots of the home page and the alarm profile page are written to test-results/ig', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const shots = [
      ['index.html', join(SCREENSHOTS, 'home.png')],
      [`${ALARM_PROFILE}.html`, join(SCREENSHOTS, 'alarm-profile.png')],
    ] as const;
    const page = await context.newPage();
    for (const [file, path] of shots) {
      rmSync(path, { force: true });
      await page.goto(new URL(file, base).href);
      if (file === 'index.html') {
        await page.waitForFunction(() => [...document.querySelectorAll('pre.mermaid')].every((pre) => pre.querySelector('svg')));
      }
      await page.screenshot({ path, fullPage: true });
    }
    await page.close();
    for (const [, path] of shots) {
      expect(existsSync(path), path).toBe(true);
      const png = readFileSync(path);
      expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${path} is a PNG`).toBe(true);
      expect(png.length, path).toBeGreaterThan(10_000);
    }
  });
});
