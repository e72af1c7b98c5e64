import { invalidInput } from './errors.js';
import type { CreateVolumeOptions } from './types.js';

// Client-side checks that mirror the API's documented rules, so that a request the API would reject with
// `invalid_input` fails before it is sent (and before it costs a request from the rate-limit budget).

export const MIN_VOLUME_SIZE_GB = 10;
export const MAX_VOLUME_SIZE_GB = 10_240;
export const MAX_VOLUME_NAME_LENGTH = 64;
export const VOLUME_FORMATS = ['xfs', 'ext4'] as const;

const NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9._-]*[a-zA-Z0-9])?$/;
const LABEL_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9._-]*[a-zA-Z0-9])?$/;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** Resource names: alphanumerics, `-`, `_` and `.`, starting and ending with an alphanumeric, at most 64. */
export function validateName(name: string, field = 'name'): void {
  if (name.length === 0) throw invalidInput(field, 'must not be empty');
  if (name.length > MAX_VOLUME_NAME_LENGTH) {
    throw invalidInput(field, `is ${name.length} characters long, the maximum is ${MAX_VOLUME_NAME_LENGTH}`);
  }
  if (!NAME.test(name)) {
    throw invalidInput(
      field,
      `'${name}' may contain only letters, digits, '-', '_' and '.', and must start and end with a letter or digit`,
    );
  }
}

/** Volume sizes: whole GB from 10 to 10240. */
export function validateSize(size: number, field = 'size'): void {
  if (!Number.isInteger(size)) throw invalidInput(field, `${size} is not a whole number of GB`);
  if (size < MIN_VOLUME_SIZE_GB || size > MAX_VOLUME_SIZE_GB) {
    throw invalidInput(field, `${size} GB is outside ${MIN_VOLUME_SIZE_GB}..${MAX_VOLUME_SIZE_GB} GB`);
  }
}

/**
 * Label keys: an optional DNS-subdomain prefix (at most 253 characters) and `/`, then a name of at most 63
 * characters. The `hetzner.cloud/` prefix and its subdomains are reserved (the API also rejected
 * `csi.hetzner.cloud/`), and a key has at most one `/`.
 */
export function validateLabelKey(key: string): void {
  const field = 'labels';
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? null : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (name.includes('/')) throw invalidInput(field, `label key '${key}' has more than one '/'`);
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    throw invalidInput(
      field,
      `label key '${key}' needs a name of 1 to 63 letters, digits, '-', '_' or '.' that starts and ends with a letter or digit`,
    );
  }
  if (prefix === null) return;
  if (
    prefix.length === 0 ||
    prefix.length > 253 ||
    !prefix.split('.').every((part) => DNS_LABEL.test(part))
  ) {
    throw invalidInput(
      field,
      `label key prefix '${prefix}' is not a DNS subdomain of at most 253 characters`,
    );
  }
  if (prefix === 'hetzner.cloud' || prefix.endsWith('.hetzner.cloud')) {
    throw invalidInput(field, `label key prefix '${prefix}/' is reserved by Hetzner`);
  }
}

/** Label values: empty, or at most 63 letters, digits, `-`, `_` and `.` starting and ending with an alphanumeric. */
export function validateLabelValue(key: string, value: string): void {
  if (typeof value !== 'string')
    throw invalidInput('labels', `label '${key}' has a value that is not a string`);
  if (value.length === 0) return;
  if (value.length > 63 || !LABEL_NAME.test(value)) {
    throw invalidInput(
      'labels',
      `label '${key}' has value '${value}'; values are empty or up to 63 letters, digits, '-', '_' or '.' that start and end with a letter or digit`,
    );
  }
}

export function validateLabels(labels: Record<string, string>): void {
  for (const [key, value] of Object.entries(labels)) {
    validateLabelKey(key);
    validateLabelValue(key, value);
  }
}

export function validateId(id: number, field: string): void {
  if (!Number.isSafeInteger(id) || id < 1) throw invalidInput(field, `${id} is not a positive integer id`);
}

export function validateCreateVolume(options: CreateVolumeOptions): void {
  validateName(options.name);
  validateSize(options.size);
  if (options.labels !== undefined) validateLabels(options.labels);
  const hasServer = options.server !== undefined;
  const hasLocation = options.location !== undefined;
  if (hasServer === hasLocation) {
    throw invalidInput(
      'location',
      'give exactly one of server and location (the server decides the location)',
    );
  }
  if (hasServer) validateId(options.server as number, 'server');
  if (hasLocation && (options.location as string).length === 0)
    throw invalidInput('location', 'must not be empty');
  if (options.automount !== undefined && !hasServer) {
    throw invalidInput('automount', 'automount needs a server to attach the volume to');
  }
  if (options.format !== undefined && !VOLUME_FORMATS.includes(options.format)) {
    throw invalidInput('format', `'${options.format}' is not one of ${VOLUME_FORMATS.join(', ')}`);
  }
}
