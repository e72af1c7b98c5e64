import { describe, expect, it } from 'vitest';
import { openApiDocumentPath, sharedOpenApiValidator } from '../../src/hetzner/index.js';

const validator = sharedOpenApiValidator();

describe('OpenApiValidator', () => {
  it('loads the vendored document', () => {
    expect(openApiDocumentPath()).toMatch(/hetzner-cloud-openapi(\.subset)?\.json$/);
    expect(validator.describe('attach_volume')).toEqual({
      method: 'POST',
      path: '/volumes/{id}/actions/attach',
    });
  });

  it('accepts a conforming create request', () => {
    const problems = validator.validateRequest({
      operation: 'create_volume',
      query: new URLSearchParams(),
      pathParams: {},
      body: JSON.stringify({ name: 'v', size: 10, location: 'fsn1', labels: { a: 'b' } }),
    });
    expect(problems).toEqual([]);
  });

  it('flags wrong request bodies, parameters and unknown query keys', () => {
    const body = validator.validateRequest({
      operation: 'create_volume',
      query: new URLSearchParams(),
      pathParams: {},
      body: JSON.stringify({ name: 'v', size: 10.5 }),
    });
    expect(body.join('\n')).toContain('request body/size must be integer');

    const query = validator.validateRequest({
      operation: 'list_volumes',
      query: new URLSearchParams('status=gone&sort=size&perPage=5'),
      pathParams: {},
      body: '',
    });
    expect(query.join('\n')).toContain("query 'status'/0 must be equal to one of the allowed values");
    expect(query.join('\n')).toContain("query 'sort'/0 must be equal to one of the allowed values");
    expect(query.join('\n')).toContain("query parameter 'perPage' is not documented");

    const missing = validator.validateRequest({
      operation: 'get_actions',
      query: new URLSearchParams(),
      pathParams: {},
      body: '',
    });
    expect(missing).toEqual(["get_actions request: query parameter 'id' is required"]);

    const detachBody = validator.validateRequest({
      operation: 'detach_volume',
      query: new URLSearchParams(),
      pathParams: { id: '1' },
      body: '{}',
    });
    expect(detachBody).toEqual(['detach_volume request: request has a body but the operation takes none']);
  });

  it('flags responses that miss required fields or use an undocumented status', () => {
    const volume = {
      id: 1,
      created: '2026-01-01T00:00:00Z',
      name: 'v',
      server: null,
      location: {
        id: 1,
        name: 'fsn1',
        description: 'x',
        country: 'DE',
        city: 'F',
        latitude: 1,
        longitude: 2,
        network_zone: 'eu-central',
      },
      size: 10,
      linux_device: '/dev/disk/by-id/scsi-0HC_Volume_1',
      protection: { delete: false },
      labels: {},
      status: 'available',
      format: null,
    };
    expect(
      validator.validateResponse({ operation: 'get_volume', status: 200, body: JSON.stringify({ volume }) }),
    ).toEqual([]);
    const { linux_device: _dropped, ...incomplete } = volume;
    expect(
      validator.validateResponse({
        operation: 'get_volume',
        status: 200,
        body: JSON.stringify({ volume: incomplete }),
      }),
    ).toEqual(["get_volume response: status 200 body/volume must have required property 'linux_device'"]);
    expect(validator.validateResponse({ operation: 'delete_volume', status: 200, body: '' })).toEqual([
      'delete_volume response: status 200 is not documented',
    ]);
    expect(
      validator.validateResponse({ operation: 'get_volume', status: 404, body: '{"error":{"message":"x"}}' }),
    ).toEqual(["get_volume response: status 404 body/error must have required property 'code'"]);
  });
});
