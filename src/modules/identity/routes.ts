import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { permit, requirePlatformAdmin, tenantContext } from '../../platform/http/auth.js';
import { etag, expectedVersion } from '../../platform/optimistic-lock.js';
import { IdParams } from '../../platform/schemas.js';
import { createPerson } from './create-person.js';
import { createRole } from './create-role.js';
import { createTenant } from './create-tenant.js';
import { createToken } from './create-token.js';
import { deletePerson } from './delete-person.js';
import { getMe } from './get-me.js';
import { listRoles } from './list-roles.js';
import { listTokens } from './list-tokens.js';
import { getPerson, listPeople } from './read-people.js';
import { revokeToken } from './revoke-token.js';
import {
  CreatedTenantSchema,
  CreatePersonBody,
  CreateRoleBody,
  CreateTenantBody,
  CreateTokenBody,
  IssuedTokenSchema,
  ListPeopleQuery,
  ListRolesQuery,
  ListTokensQuery,
  MeSchema,
  PersonSchema,
  RoleSchema,
  TokenSchema,
  UpdatePersonBody,
  UpdateRoleBody,
  UpdateTenantPlanBody,
  UpdateTenantSettingsBody,
  TenantSchema,
  listOf,
} from './schemas.js';
import { updatePerson } from './update-person.js';
import { updateRole } from './update-role.js';
import { updateTenantPlan } from './update-tenant-plan.js';
import { updateTenantSettings } from './update-tenant-settings.js';

const IfMatch = Type.Object({ 'if-match': Type.Optional(Type.String()) });

export const identityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/tenants',
    {
      schema: {
        tags: ['identity'],
        summary: 'Create a tenant with its admin (platform admin token)',
        body: CreateTenantBody,
        response: { 201: CreatedTenantSchema },
      },
      preValidation: requirePlatformAdmin,
    },
    async (request, reply) => {
      const created = await createTenant(app.database.db, request.body, {
        correlationId: request.id,
        ipAddress: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      return reply.status(201).send(created);
    },
  );

  app.patch(
    '/tenants/:id',
    {
      schema: {
        tags: ['identity'],
        summary: "Set a tenant's plan and rate-limit overrides (platform admin token)",
        params: IdParams,
        headers: IfMatch,
        body: UpdateTenantPlanBody,
        response: { 200: TenantSchema },
      },
      preValidation: requirePlatformAdmin,
    },
    async (request, reply) => {
      // The platform admin is not bound by a tenant's require_if_match.
      const expected = expectedVersion(request.headers['if-match'], request.body.version, {
        requireIfMatch: false,
      });
      const tenant = await updateTenantPlan(
        app.database.db,
        request.params.id,
        request.body,
        expected,
        {
          correlationId: request.id,
          ipAddress: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        },
      );
      return reply.header('etag', etag(tenant.version)).send(tenant);
    },
  );

  app.get(
    '/me',
    {
      schema: {
        tags: ['identity'],
        summary: 'Who the token belongs to',
        response: { 200: MeSchema },
      },
    },
    async (request) => getMe(tenantContext(request)),
  );

  app.patch(
    '/tenant',
    {
      schema: {
        tags: ['identity'],
        summary: "Change the caller's tenant settings",
        headers: IfMatch,
        body: UpdateTenantSettingsBody,
        response: { 200: TenantSchema },
      },
      preValidation: permit('tenant.admin'),
    },
    async (request, reply) => {
      const ctx = tenantContext(request);
      const expected = expectedVersion(
        request.headers['if-match'],
        request.body.version,
        ctx.tenant,
      );
      const tenant = await updateTenantSettings(ctx, request.body, expected);
      return reply.header('etag', etag(tenant.version)).send(tenant);
    },
  );

  app.get(
    '/roles',
    {
      schema: {
        tags: ['identity'],
        querystring: ListRolesQuery,
        response: { 200: listOf(RoleSchema) },
      },
      preValidation: permit('tenant.admin'),
    },
    async (request) => listRoles(tenantContext(request), request.query),
  );
  app.post(
    '/roles',
    {
      schema: { tags: ['identity'], body: CreateRoleBody, response: { 201: RoleSchema } },
      preValidation: permit('tenant.admin'),
    },
    async (request, reply) =>
      reply.status(201).send(await createRole(tenantContext(request), request.body)),
  );
  app.patch(
    '/roles/:id',
    {
      schema: {
        tags: ['identity'],
        params: IdParams,
        headers: IfMatch,
        body: UpdateRoleBody,
        response: { 200: RoleSchema },
      },
      preValidation: permit('tenant.admin'),
    },
    async (request, reply) => {
      const ctx = tenantContext(request);
      const expected = expectedVersion(
        request.headers['if-match'],
        request.body.version,
        ctx.tenant,
      );
      const role = await updateRole(ctx, request.params.id, request.body, expected);
      return reply.header('etag', etag(role.version)).send(role);
    },
  );

  app.get(
    '/people',
    {
      schema: {
        tags: ['identity'],
        querystring: ListPeopleQuery,
        response: { 200: listOf(PersonSchema) },
      },
    },
    async (request) => listPeople(tenantContext(request), request.query),
  );
  app.get(
    '/people/:id',
    { schema: { tags: ['identity'], params: IdParams, response: { 200: PersonSchema } } },
    async (request, reply) => {
      const person = await getPerson(tenantContext(request), request.params.id);
      return reply.header('etag', etag(person.version)).send(person);
    },
  );
  app.post(
    '/people',
    {
      schema: { tags: ['identity'], body: CreatePersonBody, response: { 201: PersonSchema } },
      preValidation: permit('people.manage'),
    },
    async (request, reply) => {
      const person = await createPerson(tenantContext(request), request.body);
      return reply.status(201).header('etag', etag(person.version)).send(person);
    },
  );
  app.patch(
    '/people/:id',
    {
      schema: {
        tags: ['identity'],
        params: IdParams,
        headers: IfMatch,
        body: UpdatePersonBody,
        response: { 200: PersonSchema },
      },
      preValidation: permit('people.manage'),
    },
    async (request, reply) => {
      const ctx = tenantContext(request);
      const expected = expectedVersion(
        request.headers['if-match'],
        request.body.version,
        ctx.tenant,
      );
      const person = await updatePerson(ctx, request.params.id, request.body, expected);
      return reply.header('etag', etag(person.version)).send(person);
    },
  );
  app.delete(
    '/people/:id',
    {
      schema: { tags: ['identity'], params: IdParams, headers: IfMatch },
      preValidation: permit('people.manage'),
    },
    async (request, reply) => {
      const ctx = tenantContext(request);
      await deletePerson(
        ctx,
        request.params.id,
        expectedVersion(request.headers['if-match'], undefined, ctx.tenant),
      );
      return reply.status(204).send();
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        tags: ['identity'],
        querystring: ListTokensQuery,
        response: { 200: listOf(TokenSchema) },
      },
    },
    async (request) => listTokens(tenantContext(request), request.query),
  );
  app.post(
    '/tokens',
    {
      schema: {
        tags: ['identity'],
        summary: 'Issue a token (its secret is shown only in this response)',
        body: CreateTokenBody,
        response: { 201: IssuedTokenSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createToken(tenantContext(request), request.body)),
  );
  app.delete(
    '/tokens/:id',
    { schema: { tags: ['identity'], params: IdParams } },
    async (request, reply) => {
      await revokeToken(tenantContext(request), request.params.id);
      return reply.status(204).send();
    },
  );
};
