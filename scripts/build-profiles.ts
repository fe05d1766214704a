/**
 * Builds the FSH in profiles/ into FHIR conformance resources with SUSHI, fully offline.
 *
 * SUSHI wants the FHIR core package from the FHIR package registry, which is not reachable from
 * our machines, and the core package is not on npm. The npm package hl7.fhir.r4.examples carries
 * the same conformance resources with snapshots, so we assemble a project-local FHIR package cache
 * from npm packages (see docs/toolchain.md) and run SUSHI with HOME pointing at it.
 *
 * Usage: node scripts/build-profiles.ts [--if-stale] [--out <dir>]
 *   --if-stale  do nothing when the output is newer than every FSH file and sushi-config.yaml.
 * Exits non-zero when SUSHI reports any error or warning.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fshDir = join(root, 'profiles');
const configFile = join(root, 'sushi-config.yaml');
const homeDir = join(root, '.fhir-home');
const packageCache = join(homeDir, '.fhir', 'packages');
/** `--out <dir>` builds elsewhere, so that several builds can run side by side. */
const outArg = process.argv.indexOf('--out');
const buildDir = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(root, 'build');
const stageDir = join(buildDir, 'sushi-project');
/** Where the server and the implementation guide read the built resources from. */
const profileOutputDir = join(buildDir, 'profiles');
const profileResourcesDir = join(profileOutputDir, 'fsh-generated', 'resources');
const stampFile = join(profileOutputDir, 'build-stamp.json');

const require = createRequire(import.meta.url);

/** Conformance resource types copied from the examples package into the core package. */
const CORE_CONFORMANCE_TYPES = [
  'StructureDefinition',
  'ValueSet',
  'CodeSystem',
  'SearchParameter',
  'OperationDefinition',
  'CapabilityStatement',
  'CompartmentDefinition',
  'ConceptMap',
  'NamingSystem',
  'StructureMap',
  'ImplementationGuide',
];

/** Packages SUSHI loads besides the core; each is an npm package of the same name. */
const NPM_FHIR_PACKAGES = ['hl7.terminology.r4', 'hl7.fhir.uv.extensions.r4'];

function packageRoot(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

function newestSourceTime(): number {
  let newest = statSync(configFile).mtimeMs;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.name.endsWith('.fsh')) {
        newest = Math.max(newest, statSync(path).mtimeMs);
      }
    }
  };
  walk(fshDir);
  return newest;
}

/** True when the built resources exist and no FSH source changed since. */
function profilesAreFresh(): boolean {
  return existsSync(stampFile) && statSync(stampFile).mtimeMs >= newestSourceTime();
}

function ensurePackageCache(): void {
  const core = join(packageCache, 'hl7.fhir.r4.core#4.0.1', 'package');
  if (!existsSync(join(core, 'package.json'))) {
    rmSync(core, { recursive: true, force: true });
    mkdirSync(core, { recursive: true });
    const source = packageRoot('hl7.fhir.r4.core');
    for (const file of readdirSync(source)) {
      if (CORE_CONFORMANCE_TYPES.some((type) => file.startsWith(`${type}-`)) && file.endsWith('.json')) {
        cpSync(join(source, file), join(core, file));
      }
    }
    // Written last: its presence marks a complete copy.
    writeFileSync(
      join(core, 'package.json'),
      JSON.stringify({
        name: 'hl7.fhir.r4.core',
        version: '4.0.1',
        type: 'Core',
        fhirVersions: ['4.0.1'],
        canonical: 'http://hl7.org/fhir',
      }),
    );
  }
  for (const name of NPM_FHIR_PACKAGES) {
    const source = packageRoot(name);
    const version = (require(`${name}/package.json`) as { version: string }).version;
    const target = join(packageCache, `${name}#${version}`);
    if (!existsSync(join(target, 'package'))) {
      mkdirSync(target, { recursive: true });
      symlinkSync(relative(target, source), join(target, 'package'), 'dir');
    }
  }
  // SUSHI always asks for the IG publisher's tooling package; it holds nothing SUSHI needs.
  const tools = join(packageCache, 'hl7.fhir.uv.tools.r4#0.0.0-stub', 'package');
  if (!existsSync(join(tools, 'package.json'))) {
    mkdirSync(tools, { recursive: true });
    writeFileSync(
      join(tools, 'package.json'),
      JSON.stringify({ name: 'hl7.fhir.uv.tools.r4', version: '0.0.0-stub', fhirVersions: ['4.0.1'] }),
    );
  }
}

/** SUSHI only reads FSH from input/fsh beside its config; stage that shape over profiles/. */
function stageProject(): void {
  rmSync(stageDir, { recursive: true, force: true });
  mkdirSync(join(stageDir, 'input'), { recursive: true });
  cpSync(configFile, join(stageDir, 'sushi-config.yaml'));
  symlinkSync(relative(join(stageDir, 'input'), fshDir), join(stageDir, 'input', 'fsh'), 'dir');
}

interface ProfileBuildResult {
  errors: number;
  warnings: number;
  output: string;
}

/** Runs SUSHI offline with snapshots and returns its counts of errors and warnings. */
function buildProfiles(): ProfileBuildResult {
  ensurePackageCache();
  stageProject();
  rmSync(profileOutputDir, { recursive: true, force: true });
  const sushi = join(packageRoot('fsh-sushi'), 'dist', 'app.js');
  const run = spawnSync(process.execPath, [sushi, 'build', stageDir, '--snapshot', '--out', profileOutputDir], {
    env: { ...process.env, HOME: homeDir, USERPROFILE: homeDir },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  const counts = /(\d+) Errors?\s+(\d+) Warnings?/.exec(output);
  const errors = counts ? Number(counts[1]) : Math.max(1, run.status ?? 1);
  const warnings = counts ? Number(counts[2]) : 0;
  if (errors === 0 && warnings === 0 && run.status === 0) {
    writeFileSync(stampFile, JSON.stringify({ builtAt: new Date().toISOString() }));
  }
  return { errors, warnings, output };
}

function main(): void {
  if (process.argv.includes('--if-stale') && profilesAreFresh()) {
    return;
  }
  const started = Date.now();
  const result = buildProfiles();
  if (result.errors > 0 || result.warnings > 0) {
    process.stderr.write(result.output);
    process.stderr.write(`\nProfile build failed: ${result.errors} errors, ${result.warnings} warnings.\n`);
    process.exit(1);
  }
  process.stdout.write(`Profiles built in ${((Date.now() - started) / 1000).toFixed(1)} s → ${relative(root, profileResourcesDir)}\n`);
}

main();
