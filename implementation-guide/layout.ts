import { html, raw } from './html.ts';
import type { Html } from './html.ts';
import { SEARCH_GLOBAL } from './search-index.ts';

/** A page of the site before it is put in the shell. */
export interface Page {
  /** File name in the output folder; every page sits at the top, so links between pages are plain names. */
  file: string;
  title: string;
  /** Which navigation entry is current. */
  section: string;
  body: Html;
  /** Loads the diagram script (Mermaid) for ```mermaid blocks. */
  diagrams?: boolean;
}

export interface NavItem {
  key: string;
  label: string;
  href: string;
}

export interface SiteInfo {
  title: string;
  version: string;
  nav: NavItem[];
}

/**
 * The search box: hidden until assets/search.js runs (without script it could do nothing), with a
 * visible label for screen readers and sighted users alike, a status line that announces the number
 * of results, and the results as a list of links under the box.
 */
function searchBox(): Html {
  return html`<form class="site-search" role="search" hidden data-engine="assets/minisearch.js" data-index="assets/search-index.js" data-global="${SEARCH_GLOBAL}">
<label for="site-search-input">Search</label>
<input id="site-search-input" type="search" autocomplete="off" spellcheck="false" aria-controls="site-search-results" aria-describedby="site-search-status">
<p id="site-search-status" class="visually-hidden" role="status"></p>
<div class="search-panel" hidden>
<ul id="site-search-results" aria-label="Search results"></ul>
<p class="search-empty">No page matches.</p>
</div>
</form>`;
}

/** The HTML shell: header with navigation, the page, a footer; relative asset links only. */
export function layout(site: SiteInfo, page: Page): string {
  const nav = site.nav.map(
    (item) =>
      html`<li><a href="${item.href}"${item.key === page.section ? raw(' aria-current="page"') : ''}>${item.label}</a></li>`,
  );
  const scripts = page.diagrams
    ? html`<script src="assets/mermaid.min.js"></script>
<script src="assets/diagrams.js"></script>`
    : '';
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} – ${site.title}</title>
<link rel="icon" href="assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="assets/site.css">
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
<div class="brand"><a href="index.html">${site.title}</a> <span class="version">${site.version}</span></div>
<nav aria-label="Main"><ul>${nav}</ul></nav>
${searchBox()}
</header>
<main id="main">
${page.body}
</main>
<footer class="site-footer">
<p>${site.title}, version ${site.version}. Built from the FHIR Shorthand in <code>profiles/</code> by <code>npm run ig</code>.</p>
</footer>
<script src="assets/search.js"></script>
${scripts}
</body>
</html>
`.value;
}
