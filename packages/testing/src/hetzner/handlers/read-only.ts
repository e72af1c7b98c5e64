import { invalidField, notFound } from '../errors.js';
import { matchesSelector, parseLabelSelector } from '../label-selector.js';
import { paginate, readPageRequest, sortBy } from '../paginate.js';
import { actionJson, serverJson } from '../serialize.js';
import { idParam, type RequestContext, type Route, type World } from './context.js';

/** Routes for actions, servers and locations, which the simulator only reads. */
export function readOnlyRoutes(world: World): Route[] {
  const { state } = world;
  return [
    {
      method: 'GET',
      path: '/actions',
      operation: 'get_actions',
      handle: (context) => {
        const ids = context.query.getAll('id');
        if (ids.length === 0) throw invalidField('id', 'at least one id is required');
        const wanted = new Set(ids.map(Number));
        const actions = [...state.actions.values()]
          .filter((action) => wanted.has(action.id))
          .sort((a, b) => a.id - b.id);
        return { status: 200, body: { actions: actions.map(actionJson) } };
      },
    },
    {
      method: 'GET',
      path: '/actions/{id}',
      operation: 'get_action',
      handle: (context) => {
        const action = state.actions.get(idParam(context));
        if (action === undefined) throw notFound('action');
        return { status: 200, body: { action: actionJson(action) } };
      },
    },
    {
      method: 'GET',
      path: '/servers',
      operation: 'list_servers',
      handle: (context) => listServers(world, context),
    },
    {
      method: 'GET',
      path: '/servers/{id}',
      operation: 'get_server',
      handle: (context) => {
        const server = state.servers.get(idParam(context));
        if (server === undefined) throw notFound('server');
        return { status: 200, body: { server: serverJson(server, state.isLocked('server', server.id)) } };
      },
    },
    {
      method: 'GET',
      path: '/locations',
      operation: 'list_locations',
      handle: (context) => {
        const name = context.query.get('name');
        const matching = state.locations.filter((location) => name === null || location.name === name);
        const sorted = sortBy([...matching], context.query.getAll('sort'), {
          id: (location) => location.id,
          name: (location) => location.name,
        });
        const result = paginate(sorted, readPageRequest(context.query), context.url);
        return {
          status: 200,
          body: { locations: result.items.map((location) => ({ ...location })), meta: result.meta },
          ...(result.link === null ? {} : { headers: { Link: result.link } }),
        };
      },
    },
    {
      method: 'GET',
      path: '/locations/{id}',
      operation: 'get_location',
      handle: (context) => {
        const location = state.locations.find((candidate) => candidate.id === idParam(context));
        if (location === undefined) throw notFound('location');
        return { status: 200, body: { location: { ...location } } };
      },
    },
  ];
}

function listServers(world: World, context: RequestContext) {
  const { state } = world;
  const { query } = context;
  const page = readPageRequest(query);
  const name = query.get('name');
  const selector = parseLabelSelector(query.get('label_selector') ?? '');
  const statuses = query.getAll('status');
  const matching = [...state.servers.values()].filter(
    (server) =>
      (name === null || server.name === name) &&
      (statuses.length === 0 || statuses.includes(server.status)) &&
      matchesSelector(server.labels, selector),
  );
  const sorted = sortBy(matching, query.getAll('sort'), {
    id: (server) => server.id,
    name: (server) => server.name,
    created: (server) => server.created,
  });
  const result = paginate(sorted, page, context.url);
  return {
    status: 200,
    body: {
      servers: result.items.map((server) => serverJson(server, state.isLocked('server', server.id))),
      meta: result.meta,
    },
    ...(result.link === null ? {} : { headers: { Link: result.link } }),
  };
}
