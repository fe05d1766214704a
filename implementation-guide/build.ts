/**
 * `npm run ig`: builds the implementation guide into build/ig (or `--out <dir>`) from the profile
 * build (`--resources <dir>`, default build/profiles/fsh-generated/resources) and pages/*.md.
 * `--if-stale` (npm start): nothing to do when the site is newer than everything it is built from.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildGuide, DEFAULT_OUT_DIR } from './site.ts';
import { PROFILE_BUILD_DIR } from '../server/validation/profile-registry.ts';

const { values } = parseArgs({
  options: { out: { type: 'string' }, resources: { type: 'string' }, 'if-stale': { type: 'boolean' } },
});

/** The newest modification time of the files under `dir` (0 when there are none). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return latest;
}

function siteIsFresh(outDir: string, resourcesDir: string): boolean {
  try {
    const built = statSync(join(outDir, 'index.html')).mtimeMs;
    const here = dirname(fileURLToPath(import.meta.url));
    // sushi-config.yaml gives the package its name, version and dependencies.
    const inputs = [newest(resourcesDir), newest(here), statSync(join(here, '..', 'sushi-config.yaml')).mtimeMs];
    return inputs.every((time) => built > time);
  } catch {
    return false;
  }
}

const outDir = values.out ? resolve(values.out) : DEFAULT_OUT_DIR;
const resourcesDir = values.resources ? resolve(values.resources) : PROFILE_BUILD_DIR;
if (values['if-stale'] && siteIsFresh(outDir, resourcesDir)) {
  process.exit(0);
}
const started = performance.now();
try {
  const result = buildGuide({ outDir, resourcesDir });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`Implementation guide: ${result.pages.length} pages in ${seconds} s → ${relative(process.cwd(), result.outDir) || '.'}/index.html\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
