import { sql } from 'kysely';
import type { SearchEntity } from './ranking.js';

/** A person's saved search (SPEC §9): their own only, unique by name. */
export interface SavedSearch {
  id: string;
  name: string;
  query: string;
  entities: SearchEntity[];
  filters: Record<string, unknown>;
  created_at: Date;
}

export const SAVED_SEARCH_COLUMNS = sql`r.id, r.name, r.query, r.entities, r.filters, r.created_at`;
