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
