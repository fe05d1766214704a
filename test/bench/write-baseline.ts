import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { Figures } from './harness.ts';
import { BenchClient, load, startServerProcess, withBenchDatabase } from './harness.ts';
import { observation } from './dataset.ts';

/**
 * Write throughput of this checkout against an earlier commit's, in one run: "does not fall by more
 * than 25 %" compared across runs hours apart says little on a machine whose throughput drifts by
 * more than that. The earlier commit is checked out in a git worktree beside this one and given this
 * checkout's node_modules, so that only Knutepunkt's own code differs. Each pair starts both servers in
 * turn, each on a fresh database: 500 creates of warm-up, ANALYZE, then 4,000 creates of an
 * Observation by 16 clients at once (the create scenario of run.ts). The order alternates from pair
 * to pair, and the cost is the median over the pairs.
 *
 * BENCH_BASELINE: the earlier commit (default 0ea994e, the last before issue #6 changed the write
 * path: UCUM rows, composite pairs, custom parameters, :of-type markers, _text words, contained rows).
 */
const PAIRS = Number(process.env.BENCH_WRITE_PAIRS ?? 6);
const REQUESTS = 4000;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** The earlier commit's checkout, with this checkout's libraries and its own profile build. */
function checkOutBaseline(ref: string): { dir: string; commit: string; remove: () => void } {
  const root = git(process.cwd(), 'rev-parse', '--show-toplevel');
  const dir = join(mkdtempSync(join(tmpdir(), 'knutepunkt-baseline-')), 'checkout');
  git(root, 'worktree', 'add', '--detach', dir, ref);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(process.execPath, ['scripts/build-profiles.ts'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return { dir, commit: git(dir, 'rev-parse', '--short', 'HEAD'), remove: () => git(root, 'worktree', 'remove', '--force', dir) };
}

function creates(adminUrl: string, label: string, cwd: string | undefined): Promise<Figures> {
  return withBenchDatabase(adminUrl, async (url) => {
    const { origin, child } = await startServerProcess({ DATABASE_URL: url }, cwd);
    const client = new BenchClient(origin, 16);
    try {
      const create = async (i: number) => {
        await client.request('POST', 'Observation', observation(i, `Patient/bench-${i % 1000}`), [201]);
      };
      await load('warm-up', 500, 16, 1, create);
      const db = postgres(url, { max: 1, onnotice: () => undefined });
      await db.unsafe('ANALYZE');
      await db.end();
      return await load(label, REQUESTS, 16, 1, (i) => create(500 + i));
    } finally {
      await client.close();
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
}

export async function benchWriteBaseline(adminUrl: string, ref: string): Promise<{ rows: Figures[]; costs: number[] }> {
  const baseline = checkOutBaseline(ref);
  // Uncommitted changes are measured too; the label says so.
  const head = git(process.cwd(), 'rev-parse', '--short', 'HEAD') + (git(process.cwd(), 'status', '--porcelain', '--untracked-files=no') ? '+changes' : '');
  const rows: Figures[] = [];
  const costs: number[] = [];
  const rate = (f: Figures) => f.requests / f.seconds;
  try {
    for (let pair = 1; pair <= PAIRS; pair++) {
      const runBaseline = () => creates(adminUrl, `create Observation, ${baseline.commit} (before, pair ${pair})`, baseline.dir);
      const runHead = () => creates(adminUrl, `create Observation, ${head} (now, pair ${pair})`, undefined);
      const [first, second] = pair % 2 ? [await runBaseline(), await runHead()] : [await runHead(), await runBaseline()];
      const [before, now] = pair % 2 ? [first, second] : [second, first];
      rows.push(first, second);
      costs.push(1 - rate(now) / rate(before));
    }
  } finally {
    baseline.remove();
  }
  return { rows, costs };
}
