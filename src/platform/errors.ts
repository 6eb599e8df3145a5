/** The one catalogue of error codes (SPEC §10): each code's HTTP status and default message. */
export const ERROR_CATALOGUE = {
  VALIDATION_ERROR: { status: 400, message: 'The request is not valid' },
  EMPTY_IDS: { status: 400, message: 'ids must not be empty' },
  TOO_MANY_IDS: { status: 400, message: 'Too many ids in one request' },
  DUPLICATE_IDS: { status: 400, message: 'ids must be distinct' },
  PROTECTED_FIELD: { status: 400, message: 'This field cannot be written' },
  CURSOR_REQUIRED: { status: 400, message: 'Pages beyond the offset limit need a cursor' },
  UNAUTHENTICATED: { status: 401, message: 'A valid bearer token is required' },
  PERMISSION_DENIED: { status: 403, message: 'You do not have permission to do this' },
  ENTITY_NOT_FOUND: { status: 404, message: 'Not found' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  CONCURRENCY_ERROR: { status: 409, message: 'This record was modified by another user' },
  INVALID_STATE_TRANSITION: { status: 409, message: 'This state transition is not allowed' },
  RECORD_LOCKED: { status: 409, message: 'This record is locked' },
  CONFLICT: { status: 409, message: 'This conflicts with an existing record' },
  BUSINESS_RULE_VIOLATION: { status: 422, message: 'A business rule was violated' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message: 'This idempotency key was used with another body',
  },
  PRECONDITION_REQUIRED: { status: 428, message: 'This tenant requires If-Match on writes' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  INTERNAL_ERROR: { status: 500, message: 'An unexpected error occurred' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface AppErrorOptions {
  message?: string;
  details?: Record<string, unknown>;
  /** Overrides the catalogue's status where one code has two (CONCURRENCY_ERROR: 409 or 412). */
  status?: number;
  /** Fields placed beside `code` in the error body, as SPEC §5 asks for concurrency errors. */
  fields?: Record<string, unknown>;
}

/** The only error use cases throw on purpose; the error handler turns it into the envelope. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly fields: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(options.message ?? ERROR_CATALOGUE[code].message);
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? ERROR_CATALOGUE[code].status;
    this.details = options.details;
    this.fields = options.fields;
  }
}

export function notFound(entity: string): AppError {
  return new AppError('ENTITY_NOT_FOUND', { message: `${entity} not found` });
}

/** A 400 for one field, shaped like the schema validator's errors. */
export function invalidField(field: string, message: string): AppError {
  return new AppError('VALIDATION_ERROR', {
    message: `Invalid ${field}: ${message}`,
    details: { errors: [{ path: `/${field}`, message }] },
  });
}

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
  status: number;
}

export function errorBody(error: AppError): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
      ...error.fields,
    },
    status: error.status,
  };
}
