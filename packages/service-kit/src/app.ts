import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import pino, { type DestinationStream } from 'pino';
import { type AccessTokenVerifier, installAuthentication } from './auth.js';
import { installErrorHandler } from './error-handler.js';
import { type HealthCheck, installHealthRoutes } from './health.js';
import { createLoggerOptions } from './logger.js';
import { installMetrics, ServiceMetrics } from './metrics.js';
import { installSecurityHeaders } from './security-headers.js';

/** A service's Fastify instance, typed so that route handlers see their zod schemas' types. */
export type ServiceApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface ServiceAppOptions {
  service: string;
  version: string;
  description: string;
  logLevel: string;
  /** Destination of the log lines, standard output when omitted. Tests pass a stream to read the lines. */
  logStream?: DestinationStream;
  metrics?: ServiceMetrics;
  /** Readiness checks by dependency name, such as `database` or `object-store`. */
  checks: Record<string, HealthCheck>;
  /** Enables `app.authenticate` for routes that need an access token. */
  verifyAccessToken?: AccessTokenVerifier;
  bodyLimit?: number;
  /** Fastify's `trustProxy`: true, a hop count, or trusted proxy addresses and CIDR ranges. */
  trustProxy?: boolean | number | string;
}

/** Fastify's types lack the hop count that its proxy-addr dependency accepts, so a count becomes a function. */
function trustProxyOption(value: boolean | number | string | undefined): FastifyServerOptions['trustProxy'] {
  if (typeof value === 'number') return (_address: string, hop: number) => hop < value;
  return value ?? false;
}

const QUIET_ROUTES = new Set(['/health/live', '/health/ready', '/health', '/metrics']);
const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Builds a Fastify app with what every service shares: JSON logs with request ids and redaction,
 * the error envelope, zod request validation, health and metrics routes, OpenAPI at `/docs`,
 * security headers and, when given a verifier, access-token authentication.
 */
export async function createServiceApp(options: ServiceAppOptions): Promise<ServiceApp> {
  const logger = pino(createLoggerOptions(options.service, options.logLevel), options.logStream);
  const metrics = options.metrics ?? new ServiceMetrics(options.service);

  const serverOptions: FastifyServerOptions & { loggerInstance: FastifyBaseLogger } = {
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: trustProxyOption(options.trustProxy),
    requestIdHeader: 'x-request-id',
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      // Probes and scrapes arrive every few seconds; logging each would drown the request lines.
      disableRequestLogging: (request) => QUIET_ROUTES.has(request.url.split('?')[0] ?? ''),
    }),
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  };
  const app: FastifyInstance = Fastify(serverOptions);

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installSecurityHeaders(app);

  installErrorHandler(app);
  await app.register(swagger, {
    openapi: {
      info: { title: options.service, description: options.description, version: options.version },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  installMetrics(app, metrics);
  installHealthRoutes(app, { service: options.service, version: options.version, checks: options.checks });
  if (options.verifyAccessToken) installAuthentication(app, options.verifyAccessToken);

  return app.withTypeProvider<ZodTypeProvider>();
}
