import { describe, it, expect } from 'vitest';
import { REDACTED, isPiiKey, redact, redactText } from './redaction.js';

describe('isPiiKey', () => {
  it.each([
    'password',
    'user_email',
    'phoneNumber',
    'PhoneNumber',
    'mobile',
    'mobno',
    'user_mobno',
    'ssn',
    'userSSN',
    'panNumber',
    'aadhar',
    'aadhaar_no',
    'passport',
    'driver-license',
    'iban',
    'auth_token',
    'clientSecret',
    'APIKey',
    'api_key',
    'x-api-key',
    'creditCardNumber',
    'credit_card',
    'card_number',
    'customer_bank_account_no',
    'EMAIL',
    'contact.email',
    'email2',
  ])('redacts the key %s', (key) => {
    expect(isPiiKey(key)).toBe(true);
  });

  it.each([
    'company',
    'expand',
    'panel',
    'username',
    'tokenizer',
    'spanish',
    'passports_count',
    'licensed',
    'mob_no',
    'card',
    'credit',
    'bank',
    'account_number',
    'apiVersion',
    'XMLHttp',
    'name',
  ])('keeps the key %s', (key) => {
    expect(isPiiKey(key)).toBe(false);
  });

  it('matches multi-part words only when their parts are consecutive', () => {
    expect(isPiiKey('bankAccountId')).toBe(true);
    expect(isPiiKey('bank_main_account')).toBe(false);
    expect(isPiiKey('card_last_number')).toBe(false);
  });

  it('uses per-tenant extra words with the same whole-part matching', () => {
    const extra = ['employee_code', 'badge'];
    expect(isPiiKey('employeeCode', extra)).toBe(true);
    expect(isPiiKey('EMPLOYEE-CODE', extra)).toBe(true);
    expect(isPiiKey('badge_id', extra)).toBe(true);
    expect(isPiiKey('employee_name', extra)).toBe(false);
    expect(isPiiKey('badges', extra)).toBe(false);
    expect(isPiiKey('employeeCode')).toBe(false);
  });

  it('ignores empty extra words instead of matching every key', () => {
    expect(isPiiKey('status', ['', '_', ' '])).toBe(false);
  });
});

describe('redactText', () => {
  it.each([
    ['Mail ann.lee+ops@example.co.in now.', `Mail ${REDACTED} now.`],
    ['a@b.co', REDACTED],
    ['From A@Example.COM, cc b_c@d-e.org', `From ${REDACTED}, cc ${REDACTED}`],
  ])('redacts e-mail addresses: %s', (input, output) => {
    expect(redactText(input)).toBe(output);
  });

  it.each([
    '4111 1111 1111 1111',
    '4111-1111-1111-1111',
    '4111111111111111',
    '5500 0000 0000 0004',
    '6011000990139424',
    '4222222222222', // 13-digit Visa test number
  ])('redacts the Luhn-valid card number %s', (card) => {
    expect(redactText(`Paid with ${card}.`)).toBe(`Paid with ${REDACTED}.`);
  });

  it('keeps a 16-digit number that fails the Luhn check', () => {
    expect(redactText('4111111111111112')).toBe('4111111111111112');
    expect(redactText('Ref 4111111111111112 ok')).toBe('Ref 4111111111111112 ok');
    expect(redactText('4111 1111 1111 1112')).toBe('4111 1111 1111 1112');
  });

  it.each(['1234 5678 9012', '123456789012', '1234-5678-9012'])(
    'redacts the 12-digit national id %s',
    (id) => {
      expect(redactText(`Aadhaar ${id} on file`)).toBe(`Aadhaar ${REDACTED} on file`);
    },
  );

  it.each([
    '+1 (555) 123-4567',
    '(555) 123-4567',
    '555-123-4567',
    '555.123.4567',
    '+91 98765 43210',
    '+919876543210',
    '9876543210',
    '+44 20 7946 0958',
  ])('redacts the phone number %s', (phone) => {
    expect(redactText(`Call ${phone} today`)).toBe(`Call ${REDACTED} today`);
  });

  it('redacts phone numbers after a label or a tel: scheme', () => {
    expect(redactText('Phone:9876543210')).toBe(`Phone:${REDACTED}`);
    expect(redactText('tel:+919876543210')).toBe(`tel:${REDACTED}`);
  });

  it.each([
    '2026-11-26',
    '2026-11-26T03:33:21.123Z',
    '10:30',
    '2026-11-26 10:30',
    '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
    'a1b2c3d4-1234-5678-9012-abcdef123456',
    'abcdefab-cdef-1234-5678-901234567890',
    '12345678-1234-1234-1234-123456789012',
    'abcdefab-cdef-abcd-abcd-123456789012',
    'WO-000123',
    'INV-9876543210',
    'T00042',
    '1,250.00',
    '12500000.00',
    'Replaced 3 filters on floor 2, 14 left',
    'Version 1.2.3 deployed',
    'company expand panel username',
  ])('keeps ordinary text %s', (text) => {
    expect(redactText(text)).toBe(text);
  });

  it('redacts only the PII in mixed text', () => {
    expect(redactText('Call 9876543210 at 10:30 on 2026-11-26 about WO-000123')).toBe(
      `Call ${REDACTED} at 10:30 on 2026-11-26 about WO-000123`,
    );
    // The whole 18-digit run fails Luhn, so each space-separated group is judged alone.
    expect(redactText('2026-11-26 9812345678')).toBe(`2026-11-26 ${REDACTED}`);
    expect(redactText('9876543210 10:30')).toBe(`${REDACTED} 10:30`);
    expect(redactText('Ann (ann@x.io, +1 (555) 123-4567) paid 1,250.00')).toBe(
      `Ann (${REDACTED}, ${REDACTED}) paid 1,250.00`,
    );
  });

  it('returns text without PII unchanged, including the empty string', () => {
    expect(redactText('')).toBe('');
    expect(redactText('Boiler serviced')).toBe('Boiler serviced');
  });
});

describe('redact', () => {
  it('redacts PII keys and keeps other keys', () => {
    expect(
      redact({
        password: 'hunter2',
        user_email: 'x',
        phoneNumber: '12',
        company: 'Acme',
        expand: true,
        panel: 3,
        username: 'ann',
      }),
    ).toEqual({
      password: REDACTED,
      user_email: REDACTED,
      phoneNumber: REDACTED,
      company: 'Acme',
      expand: true,
      panel: 3,
      username: 'ann',
    });
  });

  it('redacts the whole value under a PII key, whatever its type', () => {
    expect(
      redact({
        email: { primary: 'a@b.co' },
        phone: ['1', '2'],
        pan: 12345,
        ssn: null,
        token: undefined,
        secret: false,
      }),
    ).toEqual({
      email: REDACTED,
      phone: REDACTED,
      pan: REDACTED,
      ssn: REDACTED,
      token: REDACTED,
      secret: REDACTED,
    });
  });

  it('recurses into nested objects and arrays', () => {
    expect(redact({ changes: { contacts: [{ email: 'a@b.co', name: 'Ann' }] } })).toEqual({
      changes: { contacts: [{ email: REDACTED, name: 'Ann' }] },
    });
    expect(
      redact([{ creditCardNumber: '4111111111111111' }, [{ x_api_key: 'k' }, 'ok'], 7]),
    ).toEqual([{ creditCardNumber: REDACTED }, [{ x_api_key: REDACTED }, 'ok'], 7]);
  });

  it('scans free-text values that are not under a PII key', () => {
    expect(
      redact({
        note: 'Reach ann@x.io or 9876543210',
        tags: ['card 4111-1111-1111-1111', 'WO-000123'],
        ref: '4111111111111112',
        userEMail: 'a@b.co', // splits into user/e/mail: caught by the text scan instead
        emails: ['a@b.co'], // plural key is not a PII key, its values are still scanned
      }),
    ).toEqual({
      note: `Reach ${REDACTED} or ${REDACTED}`,
      tags: [`card ${REDACTED}`, 'WO-000123'],
      ref: '4111111111111112',
      userEMail: REDACTED,
      emails: [REDACTED],
    });
  });

  it('keeps numbers, booleans, null and undefined', () => {
    expect(redact({ count: 9876543210, ok: true, gone: null, none: undefined })).toEqual({
      count: 9876543210,
      ok: true,
      gone: null,
      none: undefined,
    });
    expect(redact(42)).toBe(42);
    expect(redact(null)).toBe(null);
  });

  it('redacts a top-level string', () => {
    expect(redact('mail a@b.co')).toBe(`mail ${REDACTED}`);
  });

  it('keeps Date values as copied Dates', () => {
    const at = new Date('2026-11-26T03:33:21.123Z');
    const out = redact({ at });
    expect(out.at).toBeInstanceOf(Date);
    expect(out.at.toISOString()).toBe('2026-11-26T03:33:21.123Z');
    expect(out.at).not.toBe(at);
  });

  it('applies per-tenant extra keys, nested too', () => {
    const options = { extraKeys: ['employee_code', 'vehicle'] };
    expect(
      redact(
        { employeeCode: 'E-1', staff: [{ vehicle_plate: 'KA01', employee_name: 'Ann' }] },
        options,
      ),
    ).toEqual({
      employeeCode: REDACTED,
      staff: [{ vehicle_plate: REDACTED, employee_name: 'Ann' }],
    });
    expect(redact({ employeeCode: 'E-1' })).toEqual({ employeeCode: 'E-1' });
  });

  it('does not mutate its input and returns a copy', () => {
    const input = {
      password: 'p',
      changes: { contacts: [{ email: 'a@b.co', note: 'call 9876543210' }] },
      list: [1, 'x'],
    };
    const before = structuredClone(input);
    const out = redact(input);
    expect(input).toEqual(before);
    expect(out).not.toBe(input);
    expect(out.changes).not.toBe(input.changes);
    expect(out.list).not.toBe(input.list);
  });

  it('handles an own __proto__ key as data, not as a prototype', () => {
    const input = JSON.parse('{"__proto__": {"email": "a@b.co"}}') as Record<string, unknown>;
    const out = redact(input);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(out['__proto__']).toEqual({ email: REDACTED });
  });
});
