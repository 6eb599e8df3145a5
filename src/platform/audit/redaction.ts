/**
 * PII redaction, applied to audit payloads before anything is stored.
 *
 * Keys: a key is PII when a PII word appears in it as whole part(s). Keys are split on `_`, `-`,
 * `.`, spaces, camelCase / PascalCase and letter/digit boundaries, so `user_email`, `phoneNumber`,
 * `x-api-key`, `creditCardNumber` and `email2` match while `company`, `panel` and `username` do
 * not. Plurals are not matched (`passports_count` is kept); e-mail addresses and phone numbers
 * under keys such as `emails` are still caught by the free-text scan.
 *
 * Values: `redact` deep-copies plain objects and arrays. The whole value under a PII key becomes
 * REDACTED; other strings go through `redactText`; numbers, booleans, null and undefined are kept.
 * Dates are kept as (copied) Dates: they carry no PII and JSON.stringify turns them into ISO text.
 */

export const REDACTED = '[REDACTED]';

export interface RedactionOptions {
  /** Per-tenant extra PII words, matched like the built-in ones (may be multi-part). */
  extraKeys?: readonly string[];
}

// Multi-part words (`credit_card`) match when their parts are consecutive in a key.
const PII_WORDS = (
  'password email phone mobile mobno ssn pan aadhar aadhaar passport license credit_card ' +
  'card_number bank_account iban token secret api_key'
).split(' ');

/** `customerBankAccountNo` -> ['customer', 'bank', 'account', 'no']. */
function splitKey(key: string): string[] {
  return key
    .replace(/([a-z])([A-Z])/g, '$1 $2') // phoneNumber -> phone Number
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2') // APIKey -> API Key, XMLHttp -> XML Http
    .replace(/(\d+)/g, ' $1 ') // email2 -> email 2
    .toLowerCase()
    .split(/[\s_.-]+/)
    .filter((part) => part !== '');
}

const DEFAULT_WORDS = PII_WORDS.map(splitKey);

/** True when all parts of `word` appear consecutively in `parts`. */
function containsWord(parts: readonly string[], word: readonly string[]): boolean {
  return word.length > 0 && parts.some((_, i) => word.every((w, j) => parts[i + j] === w));
}

const matchers = new Map<string, (key: string) => boolean>();
/** Bounds on what the matchers remember: keys can come from callers' metadata. */
const MAX_MATCHERS = 1000;
const MAX_KEYS_PER_MATCHER = 10_000;

/** Whether a key is PII, for the built-in words plus `extraKeys`; each key is judged once. */
function keyMatcher(extraKeys: readonly string[] = []): (key: string) => boolean {
  const signature = extraKeys.join('\n');
  const known = matchers.get(signature);
  if (known) return known;
  const words = [...DEFAULT_WORDS, ...extraKeys.map(splitKey)];
  const verdicts = new Map<string, boolean>();
  const matcher = (key: string) => {
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      const parts = splitKey(key);
      verdict = words.some((word) => containsWord(parts, word));
      if (verdicts.size < MAX_KEYS_PER_MATCHER) verdicts.set(key, verdict);
    }
    return verdict;
  };
  if (matchers.size < MAX_MATCHERS) matchers.set(signature, matcher);
  return matcher;
}

export function isPiiKey(key: string, extraKeys?: readonly string[]): boolean {
  return keyMatcher(extraKeys)(key);
}

// The lookbehind makes the local part start a run, so a long word without `@` is scanned once.
const EMAIL = /(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/gi;

// Digit groups joined by single spaces, dashes or dots, with an optional leading `+` and
// `(area)` groups. There is no trailing assertion, so a match is always the longest run.
const DIGIT_RUN = /\+?(?:\(\d+\)|\d+)(?:(?:[ .-]|(?<=\))|(?=\())(?:\(\d+\)|\d+))*/g;

// A run glued to a word (UUID group, `WO-000123`, `T00042`) or to a time (`10:30`) is not PII.
const GLUED_BEFORE = /(?:[\p{L}\p{N}_][-.]?|\d:)$/u;
const GLUED_AFTER = /^(?:[-.]?[\p{L}\p{N}_]|:\d)/u;

// Every e-mail address has an `@`, and every number a digit.
const MIGHT_HOLD_PII = /[@0-9]/;

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Classifies a digit run by its total digit count. */
function isPiiNumber(run: string): boolean {
  if (/^\d+\.\d+$/.test(run)) return false; // a decimal amount such as 12500000.00
  const digits = run.replace(/\D/g, '');
  if (digits.length >= 13 && digits.length <= 19 && passesLuhn(digits)) return true; // card
  // 10-15 digits: phone numbers, which covers 12-digit national ids (Aadhaar) too. A 16-19 digit
  // run failing Luhn (an order or reference number) is kept.
  return digits.length >= 10 && digits.length <= 15;
}

function redactNumbers(text: string): string {
  const glued = (start: number, end: number): boolean =>
    GLUED_BEFORE.test(text.slice(Math.max(0, start - 2), start)) ||
    GLUED_AFTER.test(text.slice(end, end + 2));
  return text.replace(DIGIT_RUN, (run: string, offset: number) => {
    if (!glued(offset, offset + run.length) && isPiiNumber(run)) return REDACTED;
    // Otherwise judge space-separated groups alone: "2026-11-26 9876543210", "9876543210 10:30".
    let start = offset;
    return run
      .split(' ')
      .map((group) => {
        const keep = glued(start, start + group.length) || !isPiiNumber(group);
        start += group.length + 1;
        return keep ? group : REDACTED;
      })
      .join(' ');
  });
}

/** Replaces e-mail addresses, card numbers, national ids and phone numbers in free text. */
export function redactText(text: string): string {
  // Most values (states, names, codes) hold neither: the scans would find nothing.
  if (!MIGHT_HOLD_PII.test(text)) return text;
  return redactNumbers(text.replace(EMAIL, REDACTED));
}

/** Returns a redacted deep copy of `value`; the input is not mutated. */
export function redact<T>(value: T, options: RedactionOptions = {}): T {
  const isPii = keyMatcher(options.extraKeys);
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return redactText(node);
    if (Array.isArray(node)) return node.map(walk);
    if (node instanceof Date) return new Date(node.getTime());
    if (node !== null && typeof node === 'object') {
      // fromEntries defines properties, so an own `__proto__` key cannot change the prototype.
      return Object.fromEntries(
        Object.entries(node).map(([key, child]) => [key, isPii(key) ? REDACTED : walk(child)]),
      );
    }
    return node;
  };
  return walk(value) as T;
}
