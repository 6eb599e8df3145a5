export { searchRoutes, type SearchRoutesOptions } from './routes.js';
export {
  SEARCH_ENTITIES,
  WEIGHT_NAMES,
  type SearchEntity,
  type WeightOverrides,
} from './ranking.js';
export { normaliseQuery } from './normalise-query.js';
export { createSearchServices, type SearchSettings } from './search-services.js';
