import { ApiFault, invalidField, locked, notFound } from '../errors.js';
import { checkLabels, checkName, checkSize } from '../input-rules.js';
import { matchesSelector, parseLabelSelector } from '../label-selector.js';
import { paginate, readPageRequest, sortBy } from '../paginate.js';
import { actionJson, volumeJson } from '../serialize.js';
import type { SimServer, SimVolume } from '../state.js';
import {
  bodyObject,
  type HandlerResult,
  idParam,
  type RequestContext,
  type Route,
  type World,
} from './context.js';
import { attachPlan } from './volume-actions.js';

export function volumeRoutes(world: World): Route[] {
  return [
    {
      method: 'GET',
      path: '/volumes',
      operation: 'list_volumes',
      handle: (context) => listVolumes(world, context),
    },
    {
      method: 'POST',
      path: '/volumes',
      operation: 'create_volume',
      handle: (context) => createVolume(world, context),
    },
    {
      method: 'GET',
      path: '/volumes/{id}',
      operation: 'get_volume',
      handle: (context) => ({
        status: 200,
        body: { volume: volumeJson(findVolume(world, idParam(context))) },
      }),
    },
    {
      method: 'PUT',
      path: '/volumes/{id}',
      operation: 'update_volume',
      handle: (context) => updateVolume(world, context),
    },
    {
      method: 'DELETE',
      path: '/volumes/{id}',
      operation: 'delete_volume',
      handle: (context) => deleteVolume(world, context),
    },
  ];
}

export function findVolume(world: World, id: number): SimVolume {
  const volume = world.state.volumes.get(id);
  if (volume === undefined) throw notFound('volume');
  return volume;
}

function listVolumes(world: World, context: RequestContext): HandlerResult {
  const { query } = context;
  const page = readPageRequest(query);
  const name = query.get('name');
  const selector = parseLabelSelector(query.get('label_selector') ?? '');
  const statuses = query.getAll('status');
  const matching = [...world.state.volumes.values()].filter(
    (volume) =>
      (name === null || volume.name === name) &&
      (statuses.length === 0 || statuses.includes(volume.status)) &&
      matchesSelector(volume.labels, selector),
  );
  const sorted = sortBy(matching, query.getAll('sort'), {
    id: (volume) => volume.id,
    name: (volume) => volume.name,
    created: (volume) => volume.created,
  });
  const result = paginate(sorted, page, context.url);
  return {
    status: 200,
    body: { volumes: result.items.map(volumeJson), meta: result.meta },
    ...(result.link === null ? {} : { headers: { Link: result.link } }),
  };
}

function createVolume(world: World, context: RequestContext): HandlerResult {
  const { state, engine, limits } = world;
  const body = bodyObject(context);
  const name = checkName(body.name);
  const size = checkSize(body.size);
  const labels = checkLabels(body.labels);
  if (body.server !== undefined && body.location !== undefined) {
    throw invalidField('location', 'specify either server or location, not both');
  }
  if (body.server === undefined && body.location === undefined)
    throw invalidField('location', 'location or server is required');
  if (body.automount !== undefined && body.server === undefined)
    throw invalidField('automount', 'requires server');
  if (body.format !== undefined && body.format !== 'xfs' && body.format !== 'ext4') {
    throw invalidField('format', 'must be one of xfs, ext4');
  }

  let server: SimServer | undefined;
  if (body.server !== undefined) {
    server = state.servers.get(Number(body.server));
    if (server === undefined) throw invalidField('server', 'server not found');
  }
  const location = server?.location ?? state.findLocation(String(body.location));
  if (location === undefined) throw invalidField('location', 'location not found');

  if ([...state.volumes.values()].some((volume) => volume.name === name)) {
    throw new ApiFault('uniqueness_error', 'volume name is already used', { fields: [{ name: 'name' }] });
  }
  if (state.volumes.size >= limits.volumeQuota) {
    throw new ApiFault('resource_limit_exceeded', `volume limit of ${limits.volumeQuota} exceeded`, {
      limits: [{ name: 'volume_count' }],
    });
  }
  if (server !== undefined && state.attachmentsOf(server.id) >= limits.volumesPerServer) {
    // NOTE: the real code and status for a full server are not documented; the CSI driver checks this code.
    throw new ApiFault(
      'limit_exceeded_error',
      `server ${server.id} already has ${limits.volumesPerServer} volumes attached`,
    );
  }

  const volume: SimVolume = {
    id: state.nextVolumeId(),
    name,
    created: new Date().toISOString(),
    serverId: null,
    location,
    size,
    labels,
    status: 'creating',
    format: typeof body.format === 'string' ? body.format : null,
    protection: { delete: false },
  };
  state.volumes.set(volume.id, volume);

  const resources: Array<{ id: number; type: 'volume' | 'server' }> = [{ id: volume.id, type: 'volume' }];
  if (server !== undefined) resources.push({ id: server.id, type: 'server' });
  const attach = server === undefined ? null : attachPlan(world, volume, server);
  const attachAction = attach === null ? null : engine.queue(attach);

  const createAction = engine.run(
    {
      command: 'create_volume',
      resources,
      locks: [{ type: 'volume', id: volume.id }],
      apply: () => {
        volume.status = 'available';
      },
    },
    (finished) => {
      // A failed create leaves the volume behind (available, never attached) for the client to clean up.
      volume.status = 'available';
      if (attach === null || attachAction === null) return;
      if (finished.status === 'error') {
        engine.start(attachAction, {
          ...attach,
          precondition: () => ({ code: 'action_failed', message: 'volume creation failed' }),
        });
        return;
      }
      engine.start(attachAction, attach);
    },
  );

  return {
    status: 201,
    body: {
      volume: volumeJson(volume),
      action: actionJson(createAction),
      next_actions: attachAction === null ? [] : [actionJson(attachAction)],
    },
  };
}

function updateVolume(world: World, context: RequestContext): HandlerResult {
  const volume = findVolume(world, idParam(context));
  const body = bodyObject(context);
  if (body.name !== undefined) {
    const name = checkName(body.name);
    const taken = [...world.state.volumes.values()].some(
      (other) => other.name === name && other.id !== volume.id,
    );
    if (taken)
      throw new ApiFault('uniqueness_error', 'volume name is already used', { fields: [{ name: 'name' }] });
    volume.name = name;
  }
  if (body.labels !== undefined) volume.labels = checkLabels(body.labels);
  return { status: 200, body: { volume: volumeJson(volume) } };
}

function deleteVolume(world: World, context: RequestContext): HandlerResult {
  const volume = findVolume(world, idParam(context));
  if (volume.protection.delete) throw new ApiFault('protected', 'volume is delete protected');
  if (world.state.isLocked('volume', volume.id)) throw locked('volume');
  if (volume.serverId !== null) {
    // NOTE: the current code for "delete while attached" is not documented; older answers used service_error.
    throw new ApiFault('service_error', `volume with ID '${volume.id}' is still attached to a server`);
  }
  world.state.volumes.delete(volume.id);
  return { status: 204 };
}
