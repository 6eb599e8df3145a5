import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { AuditWriteError } from '../audit/audit-write-error.js';
import { AppError, errorBody, invalidField } from '../errors.js';

/** PostgreSQL error codes that mean the request, not the server, was wrong. */
const PG_CLIENT_ERRORS: Record<string, AppError> = {
  '23503': new AppError('VALIDATION_ERROR', { message: 'A referenced record does not exist' }),
  '23514': new AppError('VALIDATION_ERROR', { message: 'A value is out of range' }),
  '22P02': new AppError('VALIDATION_ERROR', { message: 'A value has the wrong format' }),
  '22001': new AppError('VALIDATION_ERROR', { message: 'A value is too long' }),
  '22021': new AppError('VALIDATION_ERROR', { message: 'Text must not contain NUL characters' }),
  '22P05': new AppError('VALIDATION_ERROR', { message: 'Text contains an unsupported character' }),
  '22003': new AppError('VALIDATION_ERROR', { message: 'A number is out of range' }),
  '22007': new AppError('VALIDATION_ERROR', { message: 'A date or time has the wrong format' }),
  '22008': new AppError('VALIDATION_ERROR', { message: 'A date or time is out of range' }),
  '22009': new AppError('VALIDATION_ERROR', { message: 'A time zone offset is out of range' }),
};

/** Fastify's own client errors: malformed JSON, body too large, unsupported content type. */
const FASTIFY_BAD_REQUEST = new Set([400, 413, 415]);

/** Unique constraints are named `<table>_unique_<field>`, so a clash can name its field. */
const UNIQUE_CONSTRAINT = /_unique_([a-z_]+)$/;
/** Check constraints between fields are named `<table>_check_<field>`, naming the field at fault. */
const CHECK_CONSTRAINT = /_check_([a-z_]+)$/;

/** The one place errors become responses: the envelope of SPEC §10, no internals leaked. */
export function registerErrorHandling(app: FastifyInstance, registry: Registry): void {
  const auditWriteFailures = new Counter({
    name: 'facilityflow_audit_write_failures_total',
    help: 'Requests that failed because an audit entry could not be written (SPEC §11)',
    registers: [registry],
  });
  app.setErrorHandler((error: FastifyError & { code?: string }, request, reply) => {
    const appError = toAppError(error);
    if (error instanceof AuditWriteError) {
      auditWriteFailures.inc();
      request.log.error({ err: error.cause }, 'audit write failed');
    } else if (appError.status >= 500) {
      request.log.error({ err: error }, 'request failed');
    }
    return reply.status(appError.status).send(errorBody(appError));
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new AppError('ROUTE_NOT_FOUND', {
      message: `No route ${request.method} ${request.url.split('?')[0]}`,
    });
    return reply.status(404).send(errorBody(error));
  });
}

/** Requests Fastify cannot route (a malformed URL) still get the envelope and correlation id. */
export function sendFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const body = errorBody(new AppError('VALIDATION_ERROR', { message: error.message }));
  void reply.header('x-correlation-id', request.id).status(400).send(body);
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
  if (error.code === '23505') {
    const field = UNIQUE_CONSTRAINT.exec((error as { constraint?: string }).constraint ?? '')?.[1];
    return new AppError('CONFLICT', {
      message: field ? `This ${field} is already taken` : 'This conflicts with an existing record',
      ...(field ? { details: { field } } : {}),
    });
  }
  const checkedField = CHECK_CONSTRAINT.exec(
    (error as { constraint?: string }).constraint ?? '',
  )?.[1];
  if (error.code === '23514' && checkedField) {
    return invalidField(checkedField, 'conflicts with another field of this record');
  }
  const pgError = error.code ? PG_CLIENT_ERRORS[error.code] : undefined;
  if (pgError) return pgError;
  if (error.code?.startsWith('FST_') && FASTIFY_BAD_REQUEST.has(error.statusCode ?? 0)) {
    return new AppError('VALIDATION_ERROR', { message: error.message });
  }
  return new AppError('INTERNAL_ERROR');
}
