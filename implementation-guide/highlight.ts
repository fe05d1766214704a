import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import http from 'highlight.js/lib/languages/http';
import json from 'highlight.js/lib/languages/json';
import plaintext from 'highlight.js/lib/languages/plaintext';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import { escapeHtml } from './html.ts';

// Only the languages the guide shows: the core build keeps highlighting light.
hljs.registerLanguage('json', json);
hljs.registerLanguage('http', http);
hljs.registerLanguage('bash', bash);
hljs.registerLanguage('xml', xml);
// The EPJ guide shows how to verify a notification's signature in TypeScript, and header formats as text.
hljs.registerLanguage('typescript', typescript);
hljs.registerLanguage('plaintext', plaintext);
const ALIASES: Record<string, string> = { sh: 'bash', shell: 'bash', html: 'xml', ts: 'typescript', js: 'typescript', text: 'plaintext' };

/**
 * An HTTP message: the start line and headers as HTTP, the body as JSON when it is JSON and as plain
 * text otherwise. highlight.js would guess the body's language among all registered ones, and took
 * a form-encoded token request for TypeScript.
 */
function highlightHttp(code: string): string {
  const blank = /\r?\n[ \t]*\r?\n/.exec(code);
  if (!blank) {
    return hljs.highlight(code, { language: 'http', ignoreIllegals: true }).value;
  }
  const head = code.slice(0, blank.index);
  const body = code.slice(blank.index + blank[0].length);
  const bodyHtml = /^\s*[[{]/.test(body) ? hljs.highlight(body, { language: 'json', ignoreIllegals: true }).value : escapeHtml(body);
  return `${hljs.highlight(head, { language: 'http', ignoreIllegals: true }).value}${blank[0]}${bodyHtml}`;
}

/** Highlighted, escaped markup of `code` (plain escaped text for an unknown language). */
export function highlight(code: string, language: string | undefined): string {
  const name = language ? (ALIASES[language] ?? language) : undefined;
  if (name === 'http') {
    return highlightHttp(code);
  }
  if (name && hljs.getLanguage(name)) {
    return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
  }
  return escapeHtml(code);
}

/** A highlighted code block. */
export function codeBlock(code: string, language: string | undefined): string {
  const lang = language ? ` language-${escapeHtml(language)}` : '';
  return `<pre class="code"><code class="hljs${lang}">${highlight(code, language)}</code></pre>`;
}
