import { hash, verify } from '@node-rs/argon2';
import { badRequest } from '@skillancer/service-kit';

/** argon2id parameters: OWASP's second recommended set (19 MiB, 2 passes, 1 lane), about 10 ms here. */
const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
/** Bounds the hashing work an attacker can ask for with one request. */
export const PASSWORD_MAX_LENGTH = 128;

/** Passwords that meet the length rule yet appear at the top of breach lists. */
const COMMON_PASSWORDS = new Set([
  '123456789012',
  '1234567890123',
  'password1234',
  'password12345',
  'passwordpassword',
  'qwertyuiopas',
  'qwerty123456',
  'iloveyou1234',
  'letmein12345',
  'administrator',
  'welcome12345',
  'abcdefghijkl',
  'changeme1234',
]);

/** Throws `weak_password` with the rule that failed; the password itself never appears in the message. */
export function assertPasswordPolicy(password: string, email: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw badRequest('weak_password', `The password must have at least ${PASSWORD_MIN_LENGTH} characters`, {
      field: 'password',
    });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw badRequest(
      'password_too_long',
      `The password must have at most ${PASSWORD_MAX_LENGTH} characters`,
      { field: 'password' },
    );
  }
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower) || new Set(lower).size < 4) {
    throw badRequest(
      'weak_password',
      'The password is too common or repetitive; choose a longer passphrase',
      { field: 'password' },
    );
  }
  const localPart = email.split('@')[0] ?? '';
  if (localPart.length >= 4 && lower.includes(localPart.toLowerCase())) {
    throw badRequest('weak_password', 'The password must not contain the email address', {
      field: 'password',
    });
  }
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, password);
}
