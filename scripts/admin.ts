import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { OperationOutcomeError } from '@medplum/core';
import type { JSONWebKeySet } from 'jose';
import { ClientRegistry, SERVICE_CODES } from '../server/auth/clients.ts';
import type { ClientRole, ServiceCode } from '../server/auth/clients.ts';
import { configOrExit } from '../server/config.ts';
import { openDatabase } from '../server/store/db/open.ts';
import { migrate } from '../server/store/migrate.ts';

/**
 * `npm run admin -- …`: onboarding without code changes or restarts. Works on the database the
 * server uses (DATABASE_URL, or the embedded store in DATA_DIR while no server holds it).
 *
 *   tenant create <organisasjonsnummer> --name <name>
 *   tenant list
 *   client register <client-id> --tenant <orgnr> --role vendor|epj|admin --name <name>
 *                   [--service-codes TA,MD,…] [--scopes "system/Observation.cru …"]
 *                   (--jwks-file <public JWKS file> | --jwks-uri <https URL>)
 *   client rotate-keys <client-id> (--jwks-file <file> | --jwks-uri <https URL>)
 *   client show <client-id>
 *
 * Prints one JSON object; exits 2 with one line on stderr when something is wrong.
 */

const USAGE = `usage: npm run admin -- tenant create <orgnr> --name <name> | tenant list
       npm run admin -- client register <id> --tenant <orgnr> --role vendor|epj|admin --name <name> [--service-codes ${SERVICE_CODES.join(',')}] [--scopes "…"] (--jwks-file <file> | --jwks-uri <url>)
       npm run admin -- client rotate-keys <id> (--jwks-file <file> | --jwks-uri <url>) | client show <id>`;

class UsageError extends Error {}

function keysFrom(values: { 'jwks-file'?: string; 'jwks-uri'?: string }): { jwks?: JSONWebKeySet; jwksUri?: string } {
  if (values['jwks-file']) {
    return { jwks: JSON.parse(readFileSync(values['jwks-file'], 'utf8')) as JSONWebKeySet };
  }
  if (values['jwks-uri']) {
    return { jwksUri: values['jwks-uri'] };
  }
  throw new UsageError('give the client\'s public keys: --jwks-file or --jwks-uri');
}

async function run(argv: string[], clients: ClientRegistry): Promise<unknown> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      tenant: { type: 'string' },
      role: { type: 'string' },
      'service-codes': { type: 'string' },
      scopes: { type: 'string' },
      'jwks-file': { type: 'string' },
      'jwks-uri': { type: 'string' },
    },
  });
  const [noun, verb, id] = positionals;
  const required = (value: string | undefined, flag: string): string => {
    if (!value) {
      throw new UsageError(`missing ${flag}`);
    }
    return value;
  };
  if (noun === 'tenant' && verb === 'create') {
    return clients.createTenant({ id: required(id, '<organisasjonsnummer>'), name: required(values.name, '--name') });
  }
  if (noun === 'tenant' && verb === 'list') {
    return clients.tenants();
  }
  if (noun === 'client' && verb === 'register') {
    const registered = await clients.registerClient({
      id: required(id, '<client-id>'),
      tenant: required(values.tenant, '--tenant'),
      name: required(values.name, '--name'),
      role: required(values.role, '--role') as ClientRole,
      serviceCodes: (values['service-codes'] ?? '').split(',').map((c) => c.trim()).filter(Boolean) as ServiceCode[],
      scopes: values.scopes?.split(/\s+/).filter(Boolean),
      ...keysFrom(values),
    });
    return registered;
  }
  if (noun === 'client' && verb === 'rotate-keys') {
    return clients.rotateKeys(required(id, '<client-id>'), keysFrom(values));
  }
  if (noun === 'client' && verb === 'show') {
    const client = await clients.client(required(id, '<client-id>'));
    if (!client) {
      throw new UsageError(`no client ${id}`);
    }
    return client;
  }
  throw new UsageError(USAGE);
}

async function main(): Promise<void> {
  const config = configOrExit('knutepunkt admin');
  const db = await openDatabase(config);
  try {
    await migrate(db);
    const result = await run(process.argv.slice(2), new ClientRegistry(db));
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } catch (err) {
    const message =
      err instanceof OperationOutcomeError
        ? (err.outcome.issue?.[0]?.details?.text ?? err.message)
        : err instanceof UsageError || err instanceof SyntaxError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
          ? (err as Error).message
          : undefined;
    if (message === undefined) {
      throw err;
    }
    process.stderr.write(`knutepunkt admin: ${message}\n`);
    process.exitCode = 2;
  } finally {
    await db.close();
  }
}

await main();
