import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layout } from './layout.ts';
import type { NavItem, Page, SiteInfo } from './layout.ts';
import { loadCatalog } from './load.ts';
import { artifactsPage } from './pages/artifacts.ts';
import { downloads, downloadsPage } from './pages/downloads.ts';
import { examplePage, operationPage } from './pages/instance.ts';
import { markdownPages } from './pages/markdown-page.ts';
import { searchParameterPage } from './pages/search-parameter.ts';
import { structurePage } from './pages/structure.ts';
import { codeSystemPage, valueSetPage } from './pages/terminology.ts';
import { topicPage } from './pages/topic.ts';
import { searchIndexScript } from './search-index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Where `npm run ig` writes the site (git-ignored; the server serves it at /ig/). */
export const DEFAULT_OUT_DIR = join(here, '..', 'build', 'ig');

export interface BuildOptions {
  /** The SUSHI output (default: build/profiles/fsh-generated/resources). */
  resourcesDir?: string;
  /** Where the site goes; emptied first. */
  outDir?: string;
  /** The guide's own Markdown pages (default: implementation-guide/pages). */
  pagesDir?: string;
}

export interface BuildResult {
  outDir: string;
  /** Every page written, with its title (for a search index or a sitemap). */
  pages: { file: string; title: string }[];
  /** Other files written (downloads, assets). */
  files: string[];
}

/** Builds the implementation guide as static files from the profile build and the Markdown pages. */
export function buildGuide(options: BuildOptions = {}): BuildResult {
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  const catalog = loadCatalog(options.resourcesDir);
  const guidePages = markdownPages(options.pagesDir ?? join(here, 'pages'));
  const nav: NavItem[] = [
    ...guidePages.map((p) => ({ key: p.section, label: p.title, href: p.file })),
    { key: 'artifacts', label: 'Artifacts', href: 'artifacts.html' },
    { key: 'downloads', label: 'Downloads', href: 'downloads.html' },
  ];
  const site: SiteInfo = {
    title: catalog.guide?.title ?? 'Knutepunkt',
    version: catalog.guide?.version ?? '',
    nav,
  };
  const pages: Page[] = [
    ...guidePages,
    artifactsPage(catalog),
    downloadsPage(catalog),
    ...[...catalog.profiles, ...catalog.extensions].map((sd) => structurePage(catalog, sd)),
    ...catalog.codeSystems.map((cs) => codeSystemPage(catalog, cs)),
    ...catalog.valueSets.map((vs) => valueSetPage(catalog, vs)),
    ...catalog.searchParameters.map((sp) => searchParameterPage(catalog, sp)),
    ...catalog.topics.map((t) => topicPage(catalog, t)),
    ...catalog.operations.map((op) => operationPage(catalog, op)),
    ...catalog.examples.map((e) => examplePage(catalog, e)),
  ];
  const seen = new Set<string>();
  for (const page of pages) {
    if (seen.has(page.file)) {
      throw new Error(`Two pages would be written to ${page.file}`);
    }
    seen.add(page.file);
  }

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  for (const page of pages) {
    writeFileSync(join(outDir, page.file), layout(site, page));
  }
  const files: string[] = [];
  for (const download of downloads(catalog)) {
    writeFileSync(join(outDir, download.file), download.content);
    files.push(download.file);
  }
  cpSync(join(here, 'assets'), join(outDir, 'assets'), { recursive: true });
  // Mermaid's browser bundle, served from the site itself: no CDN, so the guide works offline.
  cpSync(join(dirname(require.resolve('mermaid/package.json')), 'dist', 'mermaid.min.js'), join(outDir, 'assets', 'mermaid.min.js'));
  // The search box: MiniSearch's browser (UMD) bundle, which sets the global MiniSearch, and the
  // index over every page, both loaded by <script> so that search works from plain files too.
  cpSync(join(dirname(require.resolve('minisearch')), '..', 'umd', 'index.js'), join(outDir, 'assets', 'minisearch.js'));
  writeFileSync(join(outDir, 'assets', 'search-index.js'), searchIndexScript(pages.map((p) => ({ file: p.file, title: p.title, body: p.body.value }))));
  files.push('assets/site.css', 'assets/favicon.svg', 'assets/diagrams.js', 'assets/search.js', 'assets/mermaid.min.js', 'assets/minisearch.js', 'assets/search-index.js');
  return { outDir, pages: pages.map((p) => ({ file: p.file, title: p.title })), files };
}
