/**
 * The implementation guide built from the profile build into a folder of its own: the pages exist,
 * the alarm profile's tree tables show the cardinalities of its StructureDefinition, every internal
 * link leads to a page (and an anchor) that exists, and text from the profiles cannot inject markup.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runInNewContext } from 'node:vm';
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import MiniSearch from 'minisearch';
import type { Options } from 'minisearch';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildGuide } from '../../implementation-guide/site.ts';
import type { BuildResult } from '../../implementation-guide/site.ts';
import { SEARCH_GLOBAL } from '../../implementation-guide/search-index.ts';
import { PROFILE_BUILD_DIR } from '../../server/validation/profile-registry.ts';

const ALARM_PROFILE = 'StructureDefinition-wt-detectedissue';

let outDir: string;
let result: BuildResult;

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'kp-ig-'));
  result = buildGuide({ outDir });
});

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

function page(file: string): string {
  return readFileSync(join(outDir, file), 'utf8');
}

/** The rows of one tree table: element id → the text of its cells. */
function treeTable(html: string, view: string): Map<string, { classes: string; flags: string; card: string; type: string; cardGreyed: boolean }> {
  const table = new RegExp(`<table class="tree" data-view="${view}">([\\s\\S]*?)</table>`).exec(html);
  expect(table, `a ${view} table`).not.toBeNull();
  const rows = new Map<string, { classes: string; flags: string; card: string; type: string; cardGreyed: boolean }>();
  const text = (cell: string) => cell.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').trim();
  for (const m of (table?.[1] ?? '').matchAll(/<tr(?: class="([^"]*)")?(?: id="[^"]*")? data-path="([^"]+)">([\s\S]*?)<\/tr>/g)) {
    const cells = [...m[3].matchAll(/<td class="(\w+)"[^>]*>([\s\S]*?)<\/td>/g)];
    const cell = (name: string) => cells.find((c) => c[1] === name)?.[2] ?? '';
    rows.set(m[2], {
      classes: m[1] ?? '',
      flags: text(cell('flags')),
      card: text(cell('card')),
      type: text(cell('type')),
      cardGreyed: cell('card').includes('class="inherited"'),
    });
  }
  return rows;
}

describe('the implementation guide', () => {
  const alarm = JSON.parse(readFileSync(join(PROFILE_BUILD_DIR, `${ALARM_PROFILE}.json`), 'utf8')) as StructureDefinition;
  const snapshot = new Map((alarm.snapshot?.element ?? []).map((e) => [e.id ?? '', e]));
  const card = (e: ElementDefinition | undefined) => `${e?.min}..${e?.max}`;

  test('builds a page for the home, the artifacts, and every definition and example', () => {
    const files = new Set(readdirSync(outDir));
    for (const file of ['index.html', 'artifacts.html', 'downloads.html', 'definitions.json', 'examples.json', `${ALARM_PROFILE}.html`,
      'CodeSystem-vkp-alert-code.html', 'ValueSet-alert-code.html', 'SearchParameter-wt-alert-code.html', 'Basic-topic-alarm.html',
      'OperationDefinition-fhirpath.html', 'DetectedIssue-wt-detectedissue-example.html', 'StructureDefinition-wt-zone.html']) {
      expect(files, file).toContain(file);
    }
    const built = readdirSync(PROFILE_BUILD_DIR).filter((f) => f.endsWith('.json') && !f.startsWith('ImplementationGuide-'));
    for (const json of built) {
      expect(files, json).toContain(json.replace(/\.json$/, '.html'));
    }
    expect(existsSync(join(outDir, 'assets', 'mermaid.min.js'))).toBe(true);
    const definitions = JSON.parse(page('definitions.json')) as { entry: unknown[] };
    expect(definitions.entry.length).toBeGreaterThanOrEqual(43 + 17 + 23 + 5);
    expect(result.pages.length).toBeGreaterThan(120);
  });

  test('the alarm profile page shows its differential with the cardinalities it sets and its ancestors greyed', () => {
    const html = page(`${ALARM_PROFILE}.html`);
    const diff = treeTable(html, 'differential');
    for (const id of ['DetectedIssue.code', 'DetectedIssue.code.coding', 'DetectedIssue.patient', 'DetectedIssue.identified[x]', 'DetectedIssue.status']) {
      expect(diff.get(id)?.card, id).toBe(card(snapshot.get(id)));
      expect(diff.get(id)?.classes, id).not.toContain('context');
    }
    expect(diff.get('DetectedIssue.code')?.card).toBe('1..1');
    expect(diff.get('DetectedIssue.code.coding')?.card).toBe('1..*');
    expect(diff.get('DetectedIssue.code')?.flags).toContain('S');
    // status is made must-support but keeps its cardinality: shown, greyed.
    expect(diff.get('DetectedIssue.status')?.cardGreyed).toBe(true);
    expect(diff.get('DetectedIssue.code')?.cardGreyed).toBe(false);
    // patient.identifier is not changed itself; it is there to place patient.identifier.system.
    expect(diff.get('DetectedIssue.patient.identifier')?.classes).toContain('context');
    expect(diff.has('DetectedIssue.patient.identifier.system')).toBe(true);
    expect(diff.has('DetectedIssue.mitigation')).toBe(false);
    for (const e of alarm.differential?.element ?? []) {
      expect(diff.has(e.id ?? ''), e.id).toBe(true);
    }
  });

  test('the alarm profile page shows every snapshot element with its cardinality, and the must-support view', () => {
    const html = page(`${ALARM_PROFILE}.html`);
    const rows = treeTable(html, 'snapshot');
    expect(rows.size).toBe(snapshot.size);
    for (const [id, element] of snapshot) {
      expect(rows.get(id)?.card, id).toBe(card(element));
    }
    expect(rows.get('DetectedIssue.mitigation')?.card).toBe('0..*');
    expect(rows.get('DetectedIssue.identified[x]')?.type).toBe('dateTime');
    expect(rows.get('DetectedIssue.patient')?.type).toMatch(/^Reference\(/);
    const mustSupport = treeTable(html, 'must-support');
    for (const [id, element] of snapshot) {
      if (element.mustSupport) {
        expect(mustSupport.has(id), id).toBe(true);
      }
    }
    expect(mustSupport.has('DetectedIssue.mitigation')).toBe(false);
    expect(html).toContain('https://knutepunkt.dev/fhir/StructureDefinition/wt-detectedissue');
    expect(html).toContain('id="inv-kp-ref-1"');
    expect(html).toContain('href="ValueSet-alert-code.html"');
    expect(html).toContain('href="DetectedIssue-wt-detectedissue-example.html"');
  });

  test('a code system page lists every code with its level', () => {
    const html = page('CodeSystem-vkp-alert-code.html');
    expect(html).toMatch(/<td>1<\/td><td><span class="level" style="--depth:0" id="code-1">/);
    expect(html).toMatch(/<td>2<\/td><td><span class="level" style="--depth:1" id="code-1_2e1">/);
    const alertCodes = JSON.parse(readFileSync(join(PROFILE_BUILD_DIR, 'CodeSystem-vkp-alert-code.json'), 'utf8')) as { count: number };
    expect([...html.matchAll(/<span class="level"/g)].length).toBe(alertCodes.count);
  });

  test('every internal link and asset points to a file (and anchor) that exists', () => {
    const htmlFiles = readdirSync(outDir).filter((f) => f.endsWith('.html'));
    const ids = new Map<string, Set<string>>();
    const idsOf = (file: string) => {
      if (!ids.has(file)) {
        ids.set(file, new Set([...page(file).matchAll(/ id="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'))));
      }
      return ids.get(file) ?? new Set<string>();
    };
    const broken: string[] = [];
    let checked = 0;
    for (const file of htmlFiles) {
      for (const m of page(file).matchAll(/ (?:href|src)="([^"]*)"/g)) {
        const target = m[1].replace(/&amp;/g, '&');
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
          continue; // http(s): and mailto: leave the site
        }
        checked++;
        const [path, anchor] = target.split('#');
        const targetFile = path === '' ? file : join(dirname(file), decodeURIComponent(path));
        if (path.startsWith('/') || !existsSync(join(outDir, targetFile))) {
          broken.push(`${file}: ${target}`);
        } else if (anchor && targetFile.endsWith('.html') && !idsOf(targetFile).has(decodeURIComponent(anchor))) {
          broken.push(`${file}: ${target} (no such anchor)`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
  });
});

describe('the search index', () => {
  /** Loads assets/search-index.js as a browser would (a script assigning a global), into MiniSearch. */
  function loadIndex(): MiniSearch {
    const window: Record<string, { options: Options; index: object }> = {};
    runInNewContext(page('assets/search-index.js'), { window });
    const data = window[SEARCH_GLOBAL];
    return MiniSearch.loadJS(data.index as Parameters<typeof MiniSearch.loadJS>[0], data.options);
  }

  test('is a script that assigns a global, small enough to load on demand', () => {
    const script = page('assets/search-index.js');
    expect(script).toContain(`window.${SEARCH_GLOBAL} = `);
    expect(script.length).toBeLessThan(2_000_000);
    expect(existsSync(join(outDir, 'assets', 'minisearch.js'))).toBe(true);
    expect(existsSync(join(outDir, 'assets', 'search.js'))).toBe(true);
    expect(page('index.html')).toContain('<script src="assets/search.js"></script>');
    expect(page('index.html')).toMatch(/<label for="site-search-input">Search<\/label>/);
  });

  test('covers every page and finds pages by Norwegian words, with æ, ø and å intact', () => {
    const index = loadIndex();
    expect(index.documentCount).toBe(result.pages.length);
    const files = (query: string, prefix = false) => index.search(query, { prefix, combineWith: 'AND' }).map((r) => r.id as string);
    expect(files('besøksplan')).toContain('StructureDefinition-wt-besoksplan.html');
    expect(files('pasientinfo')).toContain('StructureDefinition-wt-patient.html');
    expect(files('trygghetsalarm')).toContain('StructureDefinition-wt-device.html');
    expect(files('responssenter')).toContain('index.html');
    expect(files('medisindispenser', true)).toContain('index.html');
    expect(files('fødselsnummer')).toContain('StructureDefinition-no-patient.html');
    // Stored as written, not folded to ASCII.
    expect(index.search('besøksplan').map((r) => r.title as string)).toContain('Besøksplan (visit plan)');
    const hit = index.search('varsel')[0] as unknown as { title: string; snippet: string };
    expect(hit.title).toBeTruthy();
    expect(hit.snippet.length).toBeLessThanOrEqual(161);
  });
});

describe('escaping', () => {
  let dir: string;
  let resources: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kp-ig-escape-'));
    resources = join(dir, 'resources');
    cpSync(PROFILE_BUILD_DIR, resources, { recursive: true });
    const file = join(resources, `${ALARM_PROFILE}.json`);
    const sd = JSON.parse(readFileSync(file, 'utf8')) as StructureDefinition;
    sd.title = 'Alarm <img src=x onerror=alert(1)>';
    sd.description =
      'Before <script>alert("description")</script> and [a link](javascript:alert(2)), [a tab](<java\tscript:alert(4)>), ' +
      '[upper](JaVaScRiPt:alert(5)), [data](data:text/html,x) and [a reference][r] after.\n\n[r]: <java\nscript:alert(6)>';
    const code = sd.snapshot?.element.find((e) => e.id === 'DetectedIssue.code');
    if (code) {
      code.short = 'Code <b onmouseover="alert(3)">bold</b> & more';
    }
    writeFileSync(file, JSON.stringify(sd));
    buildGuide({ resourcesDir: resources, outDir: join(dir, 'site') });
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('text from a profile that contains < is shown as text, never as markup', () => {
    const html = readFileSync(join(dir, 'site', `${ALARM_PROFILE}.html`), 'utf8');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b onmouseover');
    // Whatever the spelling, no link of the description leads anywhere but the web.
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&').replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))));
    for (const href of hrefs) {
      expect(['http:', 'https:', 'mailto:'], href).toContain(new URL(href, 'https://relative.invalid/').protocol);
    }
    expect(html).toContain('&lt;script&gt;alert(');
    expect(html).toContain('Alarm &lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('Code &lt;b onmouseover=');
    // The artifacts index shows the title too.
    const index = readFileSync(join(dir, 'site', 'artifacts.html'), 'utf8');
    expect(index).not.toContain('<img src=x');
  });
});
