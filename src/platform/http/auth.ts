import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preValidationAsyncHookHandler,
} from 'fastify';
import type { Kysely } from 'kysely';
import { authenticate, type PersonPrincipal } from '../auth/authenticate.js';
import type { PrincipalCache } from '../auth/principal-cache.js';
import { ensurePermission } from '../auth/permissions.js';
import type { RequestContext } from '../context.js';
import type { DB } from '../db/tables.js';
import { AppError } from '../errors.js';

/** Held by no tenant role: only the platform admin token acts as it. */
const PLATFORM_ADMIN = 'platform.admin';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for every authenticated request: a tenant's person, or the platform admin (null ctx). */
    ctx: RequestContext | null;
    isPlatformAdmin: boolean;
  }
}

/** Every route registered in this scope requires a valid bearer token. */
export function registerAuthentication(
  app: FastifyInstance,
  options: {
    db: Kysely<DB>;
    platformAdminToken: string | undefined;
    cursorKey: Buffer;
    principals?: PrincipalCache<PersonPrincipal>;
    /** Runs before a 401 is sent (the rate limiter counts unknown tokens by address). */
    onUnauthenticated?: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  },
): void {
  app.decorateRequest('ctx', null);
  app.decorateRequest('isPlatformAdmin', false);
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    const token = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    const principal = token
      ? await authenticate(options.db, token, options.platformAdminToken, options.principals)
      : null;
    if (!principal) {
      await options.onUnauthenticated?.(request, reply);
      throw new AppError('UNAUTHENTICATED');
    }
    if (principal.kind === 'platform-admin') {
      request.isPlatformAdmin = true;
      return;
    }
    request.ctx = {
      db: options.db,
      tenantId: principal.tenantId,
      tenant: principal.tenant,
      actorId: principal.personId,
      tokenId: principal.tokenId,
      tokenExpiresAt: principal.tokenExpiresAt,
      permissions: principal.permissions,
      correlationId: request.id,
      ipAddress: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
      cursorKey: options.cursorKey,
    };
  });
}

/** The caller's tenant context; the platform admin token acts on no tenant's records. */
export function tenantContext(request: FastifyRequest): RequestContext {
  if (!request.ctx) {
    throw new AppError('PERMISSION_DENIED', {
      message: 'The platform admin token can only manage tenants',
    });
  }
  return request.ctx;
}

/** Only the platform admin passes; a tenant's person is denied (and audited) like any 403. */
export async function requirePlatformAdmin(request: FastifyRequest): Promise<void> {
  if (request.isPlatformAdmin) return;
  await ensurePermission(tenantContext(request), PLATFORM_ADMIN, routeAction(request));
}

/** A route guard (run before body validation): 403, with a PERMISSION_DENIED audit entry, unless the caller holds `permission`. */
export function permit(permission: string): preValidationAsyncHookHandler {
  return async (request) => {
    await ensurePermission(tenantContext(request), permission, routeAction(request));
  };
}

function routeAction(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url}`;
}
