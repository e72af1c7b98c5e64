import { validateLabels } from './validate.js';

/**
 * Builds a label selector that matches every key/value pair of `labels` (`k1=v1,k2=v2`, keys sorted).
 * The pairs are validated first, so a value that could break the selector syntax is rejected.
 */
export function selectorFromLabels(labels: Record<string, string>): string {
  validateLabels(labels);
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(',');
}
