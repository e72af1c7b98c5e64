import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One finished call to an outside dependency: the database, the object store or the Hetzner API. */
export interface DependencyCall {
  operation: string;
  durationSeconds: number;
  outcome: 'ok' | 'error';
  errorCode?: string;
}

export type DependencyObserver = (call: DependencyCall) => void;

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A Prometheus registry per service with the HTTP and dependency metrics every service exposes. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly dependencyCalls: Counter<'dependency' | 'operation' | 'outcome'>;
  private readonly dependencyErrors: Counter<'dependency' | 'operation' | 'code'>;
  private readonly dependencyDuration: Histogram<'dependency' | 'operation'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration of HTTP requests by route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    this.dependencyCalls = new Counter({
      name: 'dependency_calls_total',
      help: 'Calls to outside dependencies by operation and outcome',
      labelNames: ['dependency', 'operation', 'outcome'],
      registers: [this.registry],
    });
    this.dependencyErrors = new Counter({
      name: 'dependency_errors_total',
      help: 'Failed calls to outside dependencies by operation and error code',
      labelNames: ['dependency', 'operation', 'code'],
      registers: [this.registry],
    });
    this.dependencyDuration = new Histogram({
      name: 'dependency_call_duration_seconds',
      help: 'Latency of calls to outside dependencies by operation',
      labelNames: ['dependency', 'operation'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
  }

  /** Returns the observer to hand to a library client, e.g. `metrics.observer('database')`. */
  observer(dependency: string): DependencyObserver {
    return (call) => {
      this.dependencyCalls.inc({ dependency, operation: call.operation, outcome: call.outcome });
      this.dependencyDuration.observe({ dependency, operation: call.operation }, call.durationSeconds);
      if (call.outcome === 'error') {
        this.dependencyErrors.inc({
          dependency,
          operation: call.operation,
          code: call.errorCode ?? 'unknown',
        });
      }
    };
  }
}

/** Times every request by its route template (never the raw URL, which has ids) and serves `/metrics`. */
export function installMetrics(app: FastifyInstance, metrics: ServiceMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    metrics.httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    void reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
