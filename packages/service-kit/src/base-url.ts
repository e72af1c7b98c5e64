import { isIPv6 } from 'node:net';

export interface ServiceAddress {
  /** Address the service listens on (`HOST`). */
  host: string;
  /** Port the service listens on. */
  port: number;
  /** Configured public base URL such as `AUTH_PUBLIC_URL`. When set, it replaces the listen address. */
  publicUrl?: string;
}

/**
 * Returns the base URL of the links a service hands out for its own routes: `publicUrl` when one
 * is configured, else `http://<host>:<port>` of the listen address. A wildcard bind address
 * (`0.0.0.0`, `::`) becomes `127.0.0.1`, and an IPv6 address gets brackets. The result has no
 * trailing slash.
 */
export function serviceBaseUrl(address: ServiceAddress): string {
  if (address.publicUrl !== undefined) return address.publicUrl.replace(/\/+$/, '');

  const host = isWildcardAddress(address.host) ? '127.0.0.1' : address.host;
  const hostPart = isIPv6(host) ? `[${host}]` : host;
  return `http://${hostPart}:${address.port}`;
}

/** Returns whether the address is the IPv4 or IPv6 wildcard, which accepts connections on every interface. */
function isWildcardAddress(host: string): boolean {
  if (host === '0.0.0.0') return true;
  // `::`, `::0` and `0:0:0:0:0:0:0:0` are the same address, and the URL parser normalizes each to
  // `[::]`. It rejects addresses with a zone index (`fe80::1%eth0`), which are never the wildcard.
  const bracketed = `http://[${host}]`;
  return isIPv6(host) && URL.canParse(bracketed) && new URL(bracketed).hostname === '[::]';
}
