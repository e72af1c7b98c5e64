import { z } from 'zod';

/**
 * Schema of a public base URL that a service writes into the links it hands out. It accepts an
 * absolute http(s) URL with an optional path, and rejects a query, a fragment and credentials,
 * because each would end up in every link. The output is the normalized URL without a trailing slash.
 * `examplePath` is the path prefix that error messages show, such as `/auth` for auth-svc.
 */
export function publicBaseUrl(examplePath: string) {
  const form = `an absolute http:// or https:// URL such as https://dev.example.com or https://dev.example.com${examplePath}`;
  return z.string().transform((value, context) => {
    const problem = publicBaseUrlProblem(value, form);
    if (problem !== undefined) {
      context.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    const url = new URL(value);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  });
}

/** Returns why the value is not a valid public base URL, or undefined when it is one. */
function publicBaseUrlProblem(value: string, form: string): string | undefined {
  if (!/^https?:\/\//i.test(value) || !URL.canParse(value)) return `must be ${form}`;
  if (value.includes('?')) return `must not have a query string (?…): use ${form}`;
  if (value.includes('#')) return `must not have a fragment (#…): use ${form}`;
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') {
    return `must not contain a user name or password, because clients see it in every link: use ${form}`;
  }
  return undefined;
}
