/**
 * Makes sure a Chromium is there for the browser tests of the implementation guide, and says which.
 * playwright-core brings no browser (its own download needs the internet); the tests drive Debian's
 * chromium package instead. Used by test/ig/browser.test.ts, and runnable: `node scripts/ensure-chromium.ts`.
 *
 * Order: $CHROMIUM_PATH if set; /usr/bin/chromium if present; else, as root, install it with apt-get
 * (updating the package lists first when the package is not known yet); else fail with what to run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

const HOW_TO_INSTALL =
  'The browser tests of the implementation guide need Chromium. Install it with `sudo apt-get install -y chromium` ' +
  '(Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome executable.';

function apt(args: string[]): boolean {
  const run = spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return run.status === 0;
}

/** The path of a Chromium executable, installing Debian's package when running as root. */
export function ensureChromium(): string {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) {
      throw new Error(`CHROMIUM_PATH is ${configured}, which does not exist. ${HOW_TO_INSTALL}`);
    }
    return configured;
  }
  if (existsSync(DEBIAN_CHROMIUM)) {
    return DEBIAN_CHROMIUM;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`No Chromium at ${DEBIAN_CHROMIUM}. ${HOW_TO_INSTALL}`);
  }
  process.stderr.write(`No Chromium at ${DEBIAN_CHROMIUM}: installing Debian's chromium package\n`);
  // A fresh machine or container often has no package lists yet; update only when the first try fails.
  const installed = apt(['install', '-y', '-q', 'chromium']) || (apt(['update', '-q']) && apt(['install', '-y', '-q', 'chromium']));
  if (!installed || !existsSync(DEBIAN_CHROMIUM)) {
    throw new Error(`Installing chromium with apt-get failed (see its output above). ${HOW_TO_INSTALL}`);
  }
  return DEBIAN_CHROMIUM;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(`${ensureChromium()}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
