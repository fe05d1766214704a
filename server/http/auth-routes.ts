import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import type { Client } from '../auth/clients.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { developmentAuth } from '../auth/auth-context.ts';
import type { Addressing } from '../auth/auth-service.ts';
import { OAuthError } from '../auth/auth-service.ts';
import { DPOP_ALGORITHMS } from '../auth/dpop.ts';
import { ASYMMETRIC_ALGORITHMS } from '../auth/algorithms.ts';
import type { Services } from '../services.ts';
import { DEFAULT_TENANT } from '../services.ts';
import { FHIR_JSON } from './negotiation.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request comes from; set for every request to the FHIR API before its handler runs. */
    auth?: AuthContext;
  }
}

/**
 * Where requests are authenticated: the token endpoint (client credentials with private_key_jwt,
 * DPoP), the SMART configuration and JWKS that describe it, and the hook that turns the token and
 * proof of every FHIR API request into `req.auth` (or answers 401).
 */
export function registerAuth(app: FastifyInstance, services: Services): void {
  app.decorateRequest('auth', undefined);
  const development = services.config.auth === 'off' ? developmentAuth(DEFAULT_TENANT) : undefined;

  app.addHook('onRequest', async (req, reply) => {
    // Decided on the route matched, not the raw target: `/%66hir/…` or an absolute-form target
    // reach the same handlers and must not pass unauthenticated.
    if (!needsAuthentication(req)) {
      return;
    }
    if (development) {
      req.auth = development;
      return;
    }
    const path = req.url.split('?')[0];
    const where = addressing(services, req);
    try {
      req.auth = await services.auth.authenticate(
        {
          authorization: req.headers.authorization,
          dpop: typeof req.headers.dpop === 'string' ? req.headers.dpop : undefined,
          method: req.method,
          url: `${where.issuer}${path}`,
        },
        where
      );
    } catch (err) {
      if (!(err instanceof OAuthError)) {
        throw err;
      }
      return refuse(reply, err, services.auth.allowsBearer);
    }
  });

  /** A token issued or refused, on the trail of the client's municipality (or of none). */
  const recordLogin = (req: FastifyRequest, client: Client | undefined, clientId: string | undefined, status: number, reason?: string) =>
    services.audit.record({ tenant: client?.tenant ?? '', clientId, role: client?.role, interaction: 'login', action: 'E', patients: [], status, reason, address: req.ip });

  app.post('/oauth2/token', async (req, reply) => {
    const form = (req.body ?? {}) as Record<string, string | string[] | undefined>;
    const field = (name: string): string | undefined => {
      const value = form[name];
      return typeof value === 'string' ? value : undefined; // a repeated parameter is malformed (RFC 6749 §3.1)
    };
    try {
      const issued = await services.auth.issue(
        {
          grantType: field('grant_type'),
          assertionType: field('client_assertion_type'),
          assertion: field('client_assertion'),
          scope: field('scope'),
          dpop: typeof req.headers.dpop === 'string' ? req.headers.dpop : undefined,
        },
        addressing(services, req)
      );
      await recordLogin(req, issued.client, issued.client.id, 200);
      return reply
        .header('cache-control', 'no-store')
        .send({ access_token: issued.accessToken, token_type: issued.tokenType, expires_in: issued.expiresIn, scope: issued.scope });
    } catch (err) {
      if (err instanceof OAuthError) {
        // A refusal goes to the municipality's trail when the client proved who it is; otherwise
        // anyone could fill a municipality's trail by naming one of its clients.
        await recordLogin(req, err.client, err.client?.id ?? claimedIssuer(field('client_assertion')), err.status, `${err.code}: ${err.message}`);
        return reply.code(err.status).header('cache-control', 'no-store').send({ error: err.code, error_description: err.message });
      }
      throw err;
    }
  });

  app.get('/oauth2/jwks', async (_req, reply) => reply.header('cache-control', 'public, max-age=300').send(services.auth.jwks));

  const smartConfiguration = async (req: FastifyRequest, reply: FastifyReply) => {
    const where = addressing(services, req);
    return reply.send({
      issuer: where.issuer,
      jwks_uri: `${where.issuer}/oauth2/jwks`,
      token_endpoint: where.tokenEndpoint,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ASYMMETRIC_ALGORITHMS,
      dpop_signing_alg_values_supported: DPOP_ALGORITHMS,
      scopes_supported: ['system/*.cruds', 'system/*.rs'],
      capabilities: ['client-confidential-asymmetric', 'permission-v2'],
    });
  };
  app.get('/.well-known/smart-configuration', smartConfiguration);
  app.get('/fhir/.well-known/smart-configuration', smartConfiguration);
}

/** Every route of the FHIR API and the admin API but the capability statement and discovery. */
export function needsAuthentication(req: FastifyRequest): boolean {
  const route = req.routeOptions.url ?? '';
  return /^\/(fhir|admin)(\/|$)/.test(route) && route !== '/fhir/metadata' && !route.startsWith('/fhir/.well-known/');
}

/** The client an assertion claims to come from, unverified: only to name it on a refusal. */
function claimedIssuer(assertion: string | undefined): string | undefined {
  try {
    const iss = assertion ? decodeJwt(assertion).iss : undefined;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/** This server's origin, FHIR base and token endpoint as the client addressed them (BASE_URL when set). */
export function addressing(services: Services, req: FastifyRequest): Addressing {
  const base = services.config.baseUrl;
  const issuer = base ? new URL(base).origin : `${req.protocol}://${req.host}`;
  return { issuer, audience: base ?? `${issuer}/fhir`, tokenEndpoint: `${issuer}/oauth2/token` };
}

/** 401 with an OperationOutcome and the WWW-Authenticate challenge RFC 6750 and RFC 9449 describe. */
function refuse(reply: FastifyReply, err: OAuthError, allowBearer: boolean): FastifyReply {
  // A header value is printable ASCII; the description is quoted, so no quotes or backslashes either.
  const quoted = err.message.replace(/[^\x20-\x7e]|["\\]/g, '');
  const challenges = [`DPoP error="${err.code}", error_description="${quoted}", algs="${DPOP_ALGORITHMS.join(' ')}"`];
  if (allowBearer) {
    challenges.push(`Bearer error="${err.code}"`);
  }
  return reply
    .code(401)
    .header('www-authenticate', challenges.join(', '))
    .type(FHIR_JSON)
    .send({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'login', details: { text: err.message } }],
    });
}
