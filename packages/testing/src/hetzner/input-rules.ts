import { invalidField } from './errors.js';

// The API's input rules for names, labels and sizes, checked independently of the client so that the
// simulator catches requests the real API would reject.

const NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9._-]*[a-zA-Z0-9])?$/;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export function checkName(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidField('name', 'is required');
  if (value.length > 64 || !NAME.test(value)) throw invalidField('name', 'is invalid');
  return value;
}

export function checkLabels(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidField('labels', 'must be an object');
  const labels: Record<string, string> = {};
  for (const [key, raw] of Object.entries(value)) {
    if (typeof raw !== 'string' || !validKey(key) || !validValue(raw))
      throw invalidField('labels', 'key or value invalid');
    labels[key] = raw;
  }
  return labels;
}

function validKey(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts.length === 2 ? (parts[1] as string) : key;
  const prefix = parts.length === 2 ? (parts[0] as string) : null;
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) return false;
  if (prefix === null) return true;
  if (prefix.length === 0 || prefix.length > 253 || !prefix.split('.').every((part) => DNS_LABEL.test(part)))
    return false;
  return prefix !== 'hetzner.cloud' && !prefix.endsWith('.hetzner.cloud');
}

function validValue(value: string): boolean {
  return value === '' || (value.length <= 63 && NAME.test(value));
}

export function checkSize(value: unknown, field = 'size'): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw invalidField(field, 'must be a whole number of GB');
  if (value < 10) throw invalidField(field, 'volume size is too small');
  if (value > 10240) throw invalidField(field, 'volume size is too large');
  return value;
}
