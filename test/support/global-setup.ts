import { spawnSync } from 'node:child_process';

/**
 * Before any test file runs: build the profiles when the FSH changed since the last build, so the
 * servers under test validate against the profiles in the working tree.
 */
export default function setup(): void {
  const run = spawnSync(process.execPath, ['scripts/build-profiles.ts', '--if-stale'], { stdio: 'inherit' });
  if (run.status !== 0) {
    throw new Error('The profile build failed; see its output above');
  }
}
