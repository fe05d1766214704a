import { Marked } from 'marked';
import type { Tokens } from 'marked';
import { escapeHtml, raw } from './html.ts';
import type { Html } from './html.ts';
import { codeBlock } from './highlight.ts';

/**
 * Links we let through from markdown: web, mail, in-page and relative links, nothing scriptable.
 * Decided on the URL as a browser reads it (which drops tabs and newlines, so `java\tscript:` is
 * `javascript:`), not on the text as written.
 */
function safeHref(href: string): boolean {
  try {
    const { protocol } = new URL(href, 'https://relative.invalid/');
    return protocol === 'http:' || protocol === 'https:' || protocol === 'mailto:';
  } catch {
    return false;
  }
}

/**
 * The language of a fenced block is the first word of its info string: the integration guides mark
 * their runnable examples with more words (```http request, ```http response as=vendor), which the
 * test suite reads and the reader need not see.
 */
export function fenceLanguage(info: string | undefined): string | undefined {
  return /^\S+/.exec(info?.trim() ?? '')?.[0];
}

/** Diagrams stay as their Mermaid source, which the page's script turns into SVG. */
function code(token: Tokens.Code): string {
  const language = fenceLanguage(token.lang);
  if (language === 'mermaid') {
    return `<pre class="mermaid">${escapeHtml(token.text)}</pre>\n`;
  }
  return `${codeBlock(token.text, language)}\n`;
}

/**
 * A heading's anchor as GitHub spells it ("2. Authenticate" → "2-authenticate"), so that links
 * written while reading the Markdown on GitHub work on the site too; letters of any script stay.
 */
export function headingId(text: string): string {
  return text
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

/** Our own pages (implementation-guide/pages/*.md): HTML inside them is kept; headings get anchors. */
const trusted = new Marked({
  gfm: true,
  renderer: {
    code,
    heading(token: Tokens.Heading): string {
      const text = this.parser.parseInline(token.tokens);
      return `<h${token.depth} id="${escapeHtml(headingId(token.text))}">${text}</h${token.depth}>\n`;
    },
  },
});

/**
 * Text from the profiles (FHIR markdown in descriptions and comments): any HTML is shown as text and
 * link targets are limited, so a description can never inject markup or script.
 */
const untrusted = new Marked({
  gfm: true,
  renderer: {
    code,
    html(token: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(token.text);
    },
    link(token: Tokens.Link): string {
      const text = this.parser.parseInline(token.tokens);
      if (!safeHref(token.href)) {
        return text;
      }
      return `<a href="${escapeHtml(token.href)}">${text}</a>`;
    },
    image(token: Tokens.Image): string {
      return escapeHtml(token.text);
    },
  },
});

/** Renders one of the guide's own Markdown pages. */
export function renderPageMarkdown(source: string): Html {
  return raw(trusted.parse(source, { async: false }));
}

/** Renders FHIR markdown from a resource, safely. */
export function renderMarkdown(source: string | undefined): Html {
  return raw(source ? untrusted.parse(source, { async: false }) : '');
}

/** Renders FHIR markdown meant to sit inside a table cell or sentence (no wrapping paragraph). */
export function renderInlineMarkdown(source: string | undefined): Html {
  return raw(source ? untrusted.parseInline(source, { async: false }) : '');
}
