import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, errorBody } from '../errors.js';

/** PostgreSQL error codes that mean the request, not the server, was wrong. */
const PG_CLIENT_ERRORS: Record<string, AppError> = {
  '23505': new AppError('CONFLICT'),
  '23503': new AppError('VALIDATION_ERROR', { message: 'A referenced record does not exist' }),
  '23514': new AppError('VALIDATION_ERROR', { message: 'A value is out of range' }),
  '22P02': new AppError('VALIDATION_ERROR', { message: 'A value has the wrong format' }),
  '22001': new AppError('VALIDATION_ERROR', { message: 'A value is too long' }),
};

/** The one place errors become responses: the envelope of SPEC §10, no internals leaked. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & { code?: string }, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.status(appError.status).send(errorBody(appError));
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new AppError('ROUTE_NOT_FOUND', {
      message: `No route ${request.method} ${request.url.split('?')[0]}`,
    });
    return reply.status(404).send(errorBody(error));
  });
}

function toAppError(error: FastifyError & { code?: string }): AppError {
  if (error instanceof AppError) return error;
  if (error.validation) {
    return new AppError('VALIDATION_ERROR', {
      message: `Invalid ${error.validationContext ?? 'request'}`,
      details: {
        errors: error.validation.map((issue) => ({
          path: issue.instancePath || '/',
          message: issue.message,
          ...(issue.params && Object.keys(issue.params).length > 0 ? { params: issue.params } : {}),
        })),
      },
    });
  }
  const pgError = error.code ? PG_CLIENT_ERRORS[error.code] : undefined;
  if (pgError) return pgError;
  // Fastify's own 4xx (malformed JSON, body too large, bad content type): all a bad request.
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('VALIDATION_ERROR', { message: error.message });
  }
  return new AppError('INTERNAL_ERROR');
}
