import type { ActionPlan } from '../action-engine.js';
import { ApiFault, invalidField, locked, notFound } from '../errors.js';
import { paginate, readPageRequest, sortBy } from '../paginate.js';
import { actionJson } from '../serialize.js';
import type { SimAction, SimServer, SimVolume } from '../state.js';
import {
  bodyObject,
  type HandlerResult,
  idParam,
  type RequestContext,
  type Route,
  type World,
} from './context.js';
import { findVolume } from './volumes.js';

export function volumeActionRoutes(world: World): Route[] {
  const post = (
    name: string,
    operation: string,
    handle: (volume: SimVolume, context: RequestContext) => SimAction,
  ): Route => ({
    method: 'POST',
    path: `/volumes/{id}/actions/${name}`,
    operation,
    handle: (context) => ({
      status: 201,
      body: { action: actionJson(handle(findVolume(world, idParam(context)), context)) },
    }),
  });
  return [
    post('attach', 'attach_volume', (volume, context) => attach(world, volume, context)),
    post('detach', 'detach_volume', (volume) => detach(world, volume)),
    post('resize', 'resize_volume', (volume, context) => resize(world, volume, context)),
    post('change_protection', 'change_volume_protection', (volume, context) =>
      changeProtection(world, volume, context),
    ),
    {
      method: 'GET',
      path: '/volumes/actions',
      operation: 'list_volumes_actions',
      handle: (context) => listActions(world, context, null),
    },
    {
      method: 'GET',
      path: '/volumes/actions/{id}',
      operation: 'get_volumes_action',
      handle: (context) => getAction(world, idParam(context), null),
    },
    {
      method: 'GET',
      path: '/volumes/{id}/actions',
      operation: 'list_volume_actions',
      handle: (context) => listActions(world, context, findVolume(world, idParam(context)).id),
    },
    {
      method: 'GET',
      path: '/volumes/{id}/actions/{action_id}',
      operation: 'get_volume_action',
      handle: (context) =>
        getAction(world, idParam(context, 'action_id'), findVolume(world, idParam(context)).id),
    },
  ];
}

/** Plan of an attach of `volume` to `server`; its precondition fails the action when the server is locked then. */
export function attachPlan(world: World, volume: SimVolume, server: SimServer): ActionPlan {
  const { state } = world;
  return {
    command: 'attach_volume',
    resources: [
      { id: server.id, type: 'server' },
      { id: volume.id, type: 'volume' },
    ],
    locks: [
      { type: 'server', id: server.id },
      { type: 'volume', id: volume.id },
    ],
    precondition: () => {
      if (!state.volumes.has(volume.id)) return { code: 'not_found', message: 'volume not found' };
      if (state.isLocked('server', server.id)) {
        return { code: 'locked', message: 'cannot perform operation because server is locked' };
      }
      return null;
    },
    apply: () => {
      volume.serverId = server.id;
      server.volumeIds.push(volume.id);
    },
  };
}

function attach(world: World, volume: SimVolume, context: RequestContext): SimAction {
  const { state, engine, limits } = world;
  const body = bodyObject(context);
  const server = state.servers.get(Number(body.server));
  if (server === undefined) throw invalidField('server', 'server not found');
  if (state.isLocked('volume', volume.id)) throw locked('volume');
  if (volume.serverId !== null) {
    throw new ApiFault('volume_already_attached', 'Volume is already attached to a server, detach first');
  }
  if (server.location.id !== volume.location.id) {
    throw invalidField('server', 'server and volume must be in the same location');
  }
  if (state.isLocked('server', server.id)) throw locked('server');
  if (state.attachmentsOf(server.id) >= limits.volumesPerServer) {
    throw new ApiFault(
      'limit_exceeded_error',
      `server ${server.id} already has ${limits.volumesPerServer} volumes attached`,
    );
  }
  return engine.run(attachPlan(world, volume, server));
}

function detach(world: World, volume: SimVolume): SimAction {
  const { state, engine } = world;
  if (state.isLocked('volume', volume.id)) throw locked('volume');
  const serverId = volume.serverId;
  if (serverId === null) {
    // NOTE: the real answer to detaching a detached volume is not documented.
    throw new ApiFault('invalid_input', 'volume is not attached to a server', {
      fields: [{ name: 'server', messages: ['volume is not attached'] }],
    });
  }
  if (state.isLocked('server', serverId)) throw locked('server');
  return engine.run({
    command: 'detach_volume',
    resources: [
      { id: serverId, type: 'server' },
      { id: volume.id, type: 'volume' },
    ],
    locks: [
      { type: 'server', id: serverId },
      { type: 'volume', id: volume.id },
    ],
    apply: () => {
      const server = state.servers.get(serverId);
      if (server !== undefined) server.volumeIds = server.volumeIds.filter((id) => id !== volume.id);
      volume.serverId = null;
    },
  });
}

function resize(world: World, volume: SimVolume, context: RequestContext): SimAction {
  const { state, engine } = world;
  const size = bodyObject(context).size;
  if (typeof size !== 'number' || !Number.isInteger(size))
    throw invalidField('size', 'must be a whole number of GB');
  if (size <= volume.size) throw invalidField('size', 'size downgrade is not allowed');
  if (size > 10240) throw invalidField('size', 'volume size is too large');
  if (state.isLocked('volume', volume.id)) throw locked('volume');
  return engine.run({
    command: 'resize_volume',
    resources: [{ id: volume.id, type: 'volume' }],
    locks: [{ type: 'volume', id: volume.id }],
    apply: () => {
      volume.size = size;
    },
  });
}

function changeProtection(world: World, volume: SimVolume, context: RequestContext): SimAction {
  const { state, engine } = world;
  const protect = bodyObject(context).delete;
  if (protect !== undefined && typeof protect !== 'boolean')
    throw invalidField('delete', 'must be a boolean');
  if (state.isLocked('volume', volume.id)) throw locked('volume');
  return engine.run({
    command: 'change_protection',
    resources: [{ id: volume.id, type: 'volume' }],
    locks: [{ type: 'volume', id: volume.id }],
    apply: () => {
      if (protect !== undefined) volume.protection.delete = protect;
    },
  });
}

function involvesVolume(action: SimAction, volumeId: number | null): boolean {
  return action.resources.some(
    (resource) => resource.type === 'volume' && (volumeId === null || resource.id === volumeId),
  );
}

function listActions(world: World, context: RequestContext, volumeId: number | null): HandlerResult {
  const { query } = context;
  const page = readPageRequest(query);
  const ids = query.getAll('id').map(Number);
  const statuses = query.getAll('status');
  const matching = [...world.state.actions.values()].filter(
    (action) =>
      involvesVolume(action, volumeId) &&
      (ids.length === 0 || ids.includes(action.id)) &&
      (statuses.length === 0 || statuses.includes(action.status)),
  );
  const sorted = sortBy(matching, query.getAll('sort'), {
    id: (action) => action.id,
    command: (action) => action.command,
    status: (action) => action.status,
    started: (action) => action.started,
    finished: (action) => action.finished ?? '',
  });
  const result = paginate(sorted, page, context.url);
  return {
    status: 200,
    body: { actions: result.items.map(actionJson), meta: result.meta },
    ...(result.link === null ? {} : { headers: { Link: result.link } }),
  };
}

function getAction(world: World, actionId: number, volumeId: number | null): HandlerResult {
  const action = world.state.actions.get(actionId);
  if (action === undefined || !involvesVolume(action, volumeId)) throw notFound('action');
  return { status: 200, body: { action: actionJson(action) } };
}
