/**
 * `npm run ig`: builds the implementation guide into build/ig (or `--out <dir>`) from the profile
 * build (`--resources <dir>`, default build/profiles/fsh-generated/resources) and pages/*.md.
 */
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildGuide } from './site.ts';

const { values } = parseArgs({
  options: { out: { type: 'string' }, resources: { type: 'string' } },
});
const started = performance.now();
try {
  const result = buildGuide({
    outDir: values.out ? resolve(values.out) : undefined,
    resourcesDir: values.resources ? resolve(values.resources) : undefined,
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`Implementation guide: ${result.pages.length} pages in ${seconds} s → ${relative(process.cwd(), result.outDir) || '.'}/index.html\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
