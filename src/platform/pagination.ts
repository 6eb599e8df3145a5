import { AppError } from './errors.js';

/** Pages reachable by offset (SPEC §9); deeper ones only by cursor. */
export const MAX_OFFSET_PAGE = 40;

export function assertOffsetPage(page: number): void {
  if (page > MAX_OFFSET_PAGE) {
    throw new AppError('CURSOR_REQUIRED', {
      details: { max_offset_page: MAX_OFFSET_PAGE },
    });
  }
}

export interface Page<T> {
  data: T[];
  pagination: {
    type: 'offset';
    page: number;
    page_size: number;
    total_count: number;
    total_pages: number;
    has_next: boolean;
    has_previous: boolean;
  };
}

export function offsetPage<T>(
  data: T[],
  totalCount: number,
  page: number,
  pageSize: number,
): Page<T> {
  const totalPages = Math.ceil(totalCount / pageSize);
  return {
    data,
    pagination: {
      type: 'offset',
      page,
      page_size: pageSize,
      total_count: totalCount,
      total_pages: totalPages,
      has_next: page < totalPages,
      has_previous: page > 1,
    },
  };
}
