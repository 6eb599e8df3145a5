import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { permit, tenantContext } from '../../platform/http/auth.js';
import { verifyTenantAuditTrail } from './verify-audit-trail.js';
import { AuditVerificationSchema } from './verify-schemas.js';

export const auditVerifyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/audit-logs/verify',
    {
      schema: {
        tags: ['audit'],
        summary: "Check the caller's tenant's audit trail against its hash-chained seals",
        description:
          'Answers 200 whether or not the trail is intact: `ok` says which, `problems` lists ' +
          'each altered, deleted or inserted entry and each altered or missing seal.',
        response: { 200: AuditVerificationSchema },
      },
      preValidation: permit('audit.view'),
    },
    async (request) => verifyTenantAuditTrail(tenantContext(request)),
  );
};
