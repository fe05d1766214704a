import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '../layout.ts';
import { renderPageMarkdown } from '../markdown.ts';

/** One of the guide's own pages, written in Markdown in implementation-guide/pages. */
export interface MarkdownPage extends Page {
  /** Order in the navigation: index first, then the integration guides, then the rest by file name. */
  order: number;
}

/**
 * Pages placed ahead of the others, in this order: the home page, then the integration guides in the
 * order their flow runs (vendors write, the EPJ is notified of what they wrote).
 */
const LEADING = ['index', 'vendors', 'epj'];

function orderOf(name: string): number {
  const leading = LEADING.indexOf(name);
  return leading >= 0 ? leading : LEADING.length;
}

/** Reads every pages/*.md: the title is its first heading, the file its name as .html. */
export function markdownPages(dir: string): MarkdownPage[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.md'))
    .sort()
    .map((file) => {
      const source = readFileSync(join(dir, file), 'utf8');
      const name = file.slice(0, -'.md'.length);
      const title = /^#\s+(.+)$/m.exec(source)?.[1].trim() ?? name;
      return {
        file: `${name}.html`,
        title: name === 'index' ? 'Home' : title,
        section: name,
        body: renderPageMarkdown(source),
        diagrams: /^```mermaid/m.test(source),
        order: orderOf(name),
      };
    })
    .sort((a, b) => a.order - b.order);
}
