import { describe, expect, it } from 'vitest';
import { serviceBaseUrl } from '../src/index.js';

describe('serviceBaseUrl', () => {
  it('uses the listen address and port', () => {
    expect(serviceBaseUrl({ host: '127.0.0.1', port: 3001 })).toBe('http://127.0.0.1:3001');
    expect(serviceBaseUrl({ host: 'localhost', port: 3004 })).toBe('http://localhost:3004');
  });

  it.each(['0.0.0.0', '::', '::0', '0:0:0:0:0:0:0:0'])('maps the wildcard %s to 127.0.0.1', (host) => {
    expect(serviceBaseUrl({ host, port: 3001 })).toBe('http://127.0.0.1:3001');
  });

  it('brackets an IPv6 address', () => {
    expect(serviceBaseUrl({ host: '::1', port: 3004 })).toBe('http://[::1]:3004');
    expect(serviceBaseUrl({ host: 'fd00::5', port: 8080 })).toBe('http://[fd00::5]:8080');
  });

  it('keeps an IPv6 address with a zone index', () => {
    expect(serviceBaseUrl({ host: 'fe80::1%eth0', port: 3001 })).toBe('http://[fe80::1%eth0]:3001');
  });

  it('prefers the public URL', () => {
    const address = { host: '0.0.0.0', port: 3001, publicUrl: 'https://dev.skillancer.example/auth/' };

    expect(serviceBaseUrl(address)).toBe('https://dev.skillancer.example/auth');
  });
});
