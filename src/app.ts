import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { identityRoutes } from './modules/identity/index.js';
import { siteRoutes } from './modules/sites/index.js';
import { vendorRoutes } from './modules/vendors/index.js';
import { assetRoutes } from './modules/assets/index.js';
import { workOrderRoutes } from './modules/work-orders/index.js';
import { taskRoutes } from './modules/tasks/index.js';
import { attendanceRoutes } from './modules/attendance/index.js';
import { ticketRoutes } from './modules/tickets/index.js';
import { createSearchServices, searchRoutes } from './modules/search/index.js';
import { auditRoutes, auditVerifyRoutes } from './modules/audit/index.js';
import type { Database } from './platform/db/database.js';
import { listenForPrincipalChanges } from './platform/auth/principal-changes.js';
import { loadCursorKey } from './platform/db/secrets.js';
import { registerAuthentication } from './platform/http/auth.js';
import { correlationIdOf } from './platform/http/correlation.js';
import { registerErrorHandling, sendFrameworkError } from './platform/http/error-handler.js';
import { closeConnectionsWhenClosing } from './platform/http/graceful-close.js';
import { registerHealthRoutes } from './platform/http/health.js';
import { registerMetrics } from './platform/metrics.js';
import { BULK_RATE_LIMIT_POLICY, workflowCatalogRoutes } from './workflow/index.js';
import { WORKFLOWS } from './workflows.js';
import { createRateLimiting, type RateLimitPolicy } from './platform/rate-limit/index.js';
import { redisGuard } from './platform/redis-guard.js';

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
  }
}

export interface AppDeps {
  config: Config;
  database: Database;
  redis: Redis | null;
  /** The platform admin token in force (from the config, or generated for the data folder). */
  platformAdminToken: string | undefined;
}

const ONE_MIB = 1024 * 1024;

/** The whole request pipeline, in order: platform plugins first, then each module's routes. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: deps.config.logLevel,
      // No personal data in logs: the path without its query string, no client address, and
      // errors without the row values PostgreSQL puts in `detail`.
      serializers: {
        req: (request: FastifyRequest) => ({
          method: request.method,
          url: request.url.split('?')[0] ?? request.url,
        }),
        err: (error: Error & { code?: string }) => ({
          type: error.name,
          message: error.message,
          code: error.code,
          stack: error.stack ?? '',
        }),
      },
    },
    genReqId: correlationIdOf,
    logController: new LogController({ requestIdLogLabel: 'correlation_id' }),
    bodyLimit: ONE_MIB,
    trustProxy: trustedProxies(deps.config.trustProxy),
    return503OnClosing: true,
    // Requests Fastify cannot route (a malformed URL) still get the envelope and correlation id.
    frameworkErrors: sendFrameworkError,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.decorate('database', deps.database);
  const cursorKey = await loadCursorKey(deps.database.db);
  const principals = await listenForPrincipalChanges(deps.database, deps.config.authCacheSeconds);
  app.addHook('onClose', principals.stop);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-correlation-id', request.id);
  });
  closeConnectionsWhenClosing(app);
  const metrics = registerMetrics(app);
  registerErrorHandling(app, metrics);
  const guard = redisGuard({ timeoutMs: deps.config.redisTimeoutMs });
  const rateLimit = createRateLimiting({
    redis: deps.redis,
    guard,
    policies: rateLimitPolicies(deps.config),
    registry: metrics,
    log: app.log,
  });
  const search = createSearchServices({
    db: deps.database.db,
    redis: deps.redis,
    guard,
    settings: deps.config.search,
    registry: metrics,
    log: app.log,
  });
  app.addHook('onClose', () => search.close());

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'facilityflow',
        version: '0.1.0',
        description: 'Workflow service for facility management',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  registerHealthRoutes(app, deps);

  await app.register(
    async (api) => {
      // Rate limits (SPEC §9, ADR 0008): requests without a tenant token by address before
      // authentication; a tenant's people once the person is known (no lookup for a token the
      // process knows); a token that fails by address, before its 401.
      api.addHook('onRequest', rateLimit.beforeAuthentication);
      registerAuthentication(api, {
        db: deps.database.db,
        platformAdminToken: deps.platformAdminToken,
        cursorKey,
        principals: principals.cache,
        onUnauthenticated: rateLimit.onUnauthenticated,
      });
      api.addHook('onRequest', rateLimit.afterAuthentication);
      await api.register(identityRoutes);
      await api.register(siteRoutes);
      await api.register(vendorRoutes);
      await api.register(assetRoutes);
      await api.register(workOrderRoutes);
      await api.register(taskRoutes);
      await api.register(attendanceRoutes);
      await api.register(ticketRoutes);
      await api.register(workflowCatalogRoutes(WORKFLOWS));
      await api.register(searchRoutes, search.routes);
      await api.register(auditVerifyRoutes);
      await api.register(auditRoutes, {
        // PGlite has one connection: a second export would only wait for the first.
        exportConcurrency:
          deps.database.kind === 'embedded' ? 1 : deps.config.audit.exportConcurrency,
      });
    },
    { prefix: '/api/v1' },
  );
  return app;
}

/** The rate-limit policies in force: search (SPEC §9) and bulk (SPEC §8), each unless disabled. */
function rateLimitPolicies(config: Config): Record<string, RateLimitPolicy> {
  const policies: Record<string, RateLimitPolicy> = {};
  if (config.search.rateLimit.enabled) policies.search = config.search.rateLimit;
  const bulk = config.bulk.rateLimit;
  if (bulk.enabled) {
    // Bulk requests without a valid token are answered 401; they count against the address.
    const limit = bulk.perPerson;
    policies[BULK_RATE_LIMIT_POLICY] = {
      windowSeconds: bulk.windowSeconds,
      anonymous: limit,
      user: limit,
      premium: limit,
    };
  }
  return policies;
}

/** A number of hops as the function Fastify's types accept for it. */
function trustedProxies(setting: Config['trustProxy']) {
  return typeof setting === 'number' ? (_address: string, hop: number) => hop < setting : setting;
}
