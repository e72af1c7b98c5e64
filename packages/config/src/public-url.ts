import { z } from 'zod';

const FORM =
  'an absolute http:// or https:// URL such as https://dev.example.com or https://dev.example.com/auth';

/**
 * Schema of a public base URL that a service writes into the links it hands out. It accepts an
 * absolute http(s) URL with an optional path, and rejects a query, a fragment and credentials,
 * because each would end up in every link. The output is the normalized URL without a trailing slash.
 */
export const publicBaseUrl = z.string().transform((value, context) => {
  const problem = publicBaseUrlProblem(value);
  if (problem !== undefined) {
    context.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  const url = new URL(value);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
});

/** Returns why the value is not a valid public base URL, or undefined when it is one. */
function publicBaseUrlProblem(value: string): string | undefined {
  if (!/^https?:\/\//i.test(value) || !URL.canParse(value)) return `must be ${FORM}`;
  if (value.includes('?')) return `must not have a query string (?…): use ${FORM}`;
  if (value.includes('#')) return `must not have a fragment (#…): use ${FORM}`;
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') {
    return `must not contain a user name or password, because clients see it in every link: use ${FORM}`;
  }
  return undefined;
}
