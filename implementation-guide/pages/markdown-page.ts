import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '../layout.ts';
import { renderPageMarkdown } from '../markdown.ts';

/** One of the guide's own pages, written in Markdown in implementation-guide/pages. */
export interface MarkdownPage extends Page {
  /** Order in the navigation: index first, then by file name. */
  order: number;
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
        order: name === 'index' ? 0 : 1,
      };
    })
    .sort((a, b) => a.order - b.order);
}
