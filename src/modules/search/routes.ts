import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { permit, tenantContext } from '../../platform/http/auth.js';
import { IdParams, PageQuery, Pagination } from '../../platform/schemas.js';
import { createSavedSearch } from './create-saved-search.js';
import { deleteSavedSearch } from './delete-saved-search.js';
import { getSearchAnalytics } from './get-search-analytics.js';
import { listSavedSearches } from './list-saved-searches.js';
import type { SearchAnalyticsRecorder } from './search-analytics.js';
import { searchRecords, type SearchServices } from './search-records.js';
import {
  AnalyticsQuery,
  AnalyticsSchema,
  SavedSearchBody,
  SavedSearchSchema,
  SearchBody,
  SearchEntitySchema,
  SearchHitSchema,
  SearchQuery,
} from './schemas.js';
import type { SearchEntity } from './ranking.js';

export interface SearchRoutesOptions {
  services: SearchServices;
  analytics: SearchAnalyticsRecorder;
}

const SearchResponse = Type.Object({
  data: Type.Array(SearchHitSchema),
  pagination: Pagination,
  query: Type.String(),
  entities: Type.Array(SearchEntitySchema),
  from_cache: Type.Boolean(),
});

/** SPEC §9: search (rate-limited), saved searches and analytics. */
export const searchRoutes: FastifyPluginAsyncTypebox<SearchRoutesOptions> = async (
  app,
  options,
) => {
  const { services } = options;
  const searchRoute = {
    preValidation: permit('search.use'),
    config: { rateLimit: 'search' },
  };

  app.get(
    '/search',
    {
      schema: { tags: ['search'], querystring: SearchQuery, response: { 200: SearchResponse } },
      ...searchRoute,
    },
    async (request) => {
      const { q, entities, status, priority, site_id, page, page_size, cursor } = request.query;
      return searchRecords(tenantContext(request), services, {
        query: q,
        entities: entities?.split(',') as SearchEntity[] | undefined,
        common: { status, priority, site_id },
        page,
        page_size,
        cursor,
      });
    },
  );
  app.post(
    '/search',
    {
      schema: { tags: ['search'], body: SearchBody, response: { 200: SearchResponse } },
      ...searchRoute,
    },
    async (request) => searchRecords(tenantContext(request), services, request.body),
  );

  app.get(
    '/search/analytics',
    {
      schema: { tags: ['search'], querystring: AnalyticsQuery, response: { 200: AnalyticsSchema } },
      preValidation: permit('tenant.admin'),
    },
    async (request) => getSearchAnalytics(tenantContext(request), options.analytics, request.query),
  );

  app.get(
    '/search/saved',
    {
      schema: {
        tags: ['search'],
        querystring: Type.Object(
          { ...PageQuery, cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ data: Type.Array(SavedSearchSchema), pagination: Pagination }),
        },
      },
      preValidation: permit('search.use'),
    },
    async (request) => listSavedSearches(tenantContext(request), request.query),
  );
  app.post(
    '/search/saved',
    {
      schema: { tags: ['search'], body: SavedSearchBody, response: { 201: SavedSearchSchema } },
      preValidation: permit('search.use'),
    },
    async (request, reply) =>
      reply.status(201).send(await createSavedSearch(tenantContext(request), request.body)),
  );
  app.delete(
    '/search/saved/:id',
    { schema: { tags: ['search'], params: IdParams }, preValidation: permit('search.use') },
    async (request, reply) => {
      await deleteSavedSearch(tenantContext(request), request.params.id);
      return reply.status(204).send();
    },
  );
};
