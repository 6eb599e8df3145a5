import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { asAuditWriteFailure, AuditWriteError } from './audit-write-error.js';

const dbError = (code: string, table?: string) =>
  Object.assign(new Error('database error'), { code, ...(table ? { table } : {}) });

describe('asAuditWriteFailure', () => {
  it.each([
    { what: 'a check on an audit table', error: dbError('23514', 'audit_entries') },
    { what: 'a value refused by an audit column', error: dbError('22P02', 'audit_entries') },
    { what: "a trigger's exception", error: dbError('P0001') },
    { what: 'a refused privilege', error: dbError('42501') },
  ])('blames the audit insert for $what', ({ error }) => {
    const failure = asAuditWriteFailure(error);
    expect(failure).toBeInstanceOf(AuditWriteError);
    expect((failure as Error).cause).toBe(error);
  });

  it.each([
    { what: "a check on the record's table", error: dbError('23514', 'tickets') },
    { what: 'a value of the wrong format', error: dbError('22P02') },
    { what: 'a deadlock', error: dbError('40P01') },
    { what: 'a cancelled statement', error: dbError('57014') },
    { what: 'an AppError', error: new AppError('CONCURRENCY_ERROR') },
    { what: 'a plain Error', error: new Error('boom') },
  ])('passes $what on unchanged', ({ error }) => {
    expect(asAuditWriteFailure(error)).toBe(error);
  });
});
