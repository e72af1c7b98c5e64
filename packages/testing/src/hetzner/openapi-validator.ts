import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { loadOpenApiDocument } from './spec-path.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module namespace.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  schema?: Record<string, unknown>;
}

interface Operation {
  operationId: string;
  method: string;
  path: string;
  parameters: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
}

export interface RequestToValidate {
  operation: string;
  query: URLSearchParams;
  pathParams: Record<string, string>;
  /** Raw body text; empty when the request had none. */
  body: string;
}

export interface ResponseToValidate {
  operation: string;
  status: number;
  /** Raw body text; empty for 204. */
  body: string;
}

const SPEC_ID = 'hetzner-openapi';

/**
 * Validates requests and responses against Hetzner's OpenAPI 3.1 document. Schemas are JSON Schema
 * 2020-12, compiled with ajv on first use; `$ref`s point into the document's components. Each check
 * returns a list of problems, empty when the message conforms.
 */
export class OpenApiValidator {
  readonly #ajv: Ajv2020;
  readonly #operations = new Map<string, Operation>();
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(document: Record<string, unknown> = loadOpenApiDocument()) {
    this.#ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.#ajv);
    this.#ajv.addFormat('int32', {
      type: 'number',
      validate: (value: number) => Number.isInteger(value) && Math.abs(value) < 2 ** 31,
    });
    this.#ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isInteger(value) });
    this.#ajv.addFormat('double', { type: 'number', validate: () => true });
    this.#ajv.addFormat('float', { type: 'number', validate: () => true });
    this.#ajv.addFormat('decimal', /^-?\d+(\.\d+)?$/);
    this.#ajv.addSchema({ $id: SPEC_ID, components: document.components ?? {} });

    const paths = (document.paths ?? {}) as Record<string, Record<string, unknown>>;
    for (const [path, item] of Object.entries(paths)) {
      const shared = (item.parameters ?? []) as Parameter[];
      for (const method of ['get', 'post', 'put', 'delete', 'patch']) {
        const operation = item[method] as
          | (Omit<Operation, 'method' | 'path'> & { parameters?: Parameter[] })
          | undefined;
        if (operation?.operationId === undefined) continue;
        this.#operations.set(operation.operationId, {
          ...operation,
          method: method.toUpperCase(),
          path,
          parameters: [...shared, ...(operation.parameters ?? [])],
        });
      }
    }
  }

  /** Method and path template of an operation, or undefined when the document has no such operation. */
  describe(operationId: string): { method: string; path: string } | undefined {
    const operation = this.#operations.get(operationId);
    return operation === undefined ? undefined : { method: operation.method, path: operation.path };
  }

  validateRequest(request: RequestToValidate): string[] {
    const operation = this.#operations.get(request.operation);
    if (operation === undefined) return [`${request.operation}: not an operation of the OpenAPI document`];
    const problems: string[] = [];
    const known = new Set<string>();

    for (const parameter of operation.parameters) {
      if (parameter.in === 'query') {
        known.add(parameter.name);
        const values = request.query.getAll(parameter.name);
        if (values.length === 0) {
          if (parameter.required) problems.push(`query parameter '${parameter.name}' is required`);
          continue;
        }
        const schema = parameter.schema ?? {};
        const value =
          schema.type === 'array'
            ? values.map((item) => coerce(item, itemsOf(schema)))
            : coerce(values[0] as string, schema);
        if (schema.type !== 'array' && values.length > 1)
          problems.push(`query parameter '${parameter.name}' is repeated`);
        problems.push(
          ...this.#check(
            `param:${operation.operationId}:${parameter.name}`,
            schema,
            value,
            `query '${parameter.name}'`,
          ),
        );
      } else if (parameter.in === 'path') {
        const raw = request.pathParams[parameter.name];
        if (raw === undefined) {
          problems.push(`path parameter '${parameter.name}' is missing`);
          continue;
        }
        const schema = parameter.schema ?? {};
        problems.push(
          ...this.#check(
            `param:${operation.operationId}:${parameter.name}`,
            schema,
            coerce(raw, schema),
            `path '${parameter.name}'`,
          ),
        );
      }
    }
    for (const name of new Set(request.query.keys())) {
      if (!known.has(name)) problems.push(`query parameter '${name}' is not documented`);
    }

    const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
    if (request.body.trim() === '') {
      if (operation.requestBody?.required) problems.push('request body is required');
    } else if (bodySchema === undefined) {
      problems.push('request has a body but the operation takes none');
    } else {
      const parsed = parseJson(request.body);
      if (parsed === undefined) problems.push('request body is not JSON');
      else
        problems.push(...this.#check(`request:${operation.operationId}`, bodySchema, parsed, 'request body'));
    }
    return problems.map((problem) => `${request.operation} request: ${problem}`);
  }

  validateResponse(response: ResponseToValidate): string[] {
    const operation = this.#operations.get(response.operation);
    if (operation === undefined) return [`${response.operation}: not an operation of the OpenAPI document`];
    const key = [String(response.status), `${String(response.status)[0]}xx`, 'default'].find(
      (candidate) => candidate in operation.responses,
    );
    if (key === undefined)
      return [`${response.operation} response: status ${response.status} is not documented`];
    const schema = operation.responses[key]?.content?.['application/json']?.schema;
    const problems: string[] = [];
    if (schema === undefined) {
      if (response.body.trim() !== '') problems.push(`status ${response.status} must have an empty body`);
    } else {
      const parsed = parseJson(response.body);
      if (parsed === undefined) problems.push(`status ${response.status} body is not JSON`);
      else
        problems.push(
          ...this.#check(
            `response:${operation.operationId}:${key}`,
            schema,
            parsed,
            `status ${response.status} body`,
          ),
        );
    }
    return problems.map((problem) => `${response.operation} response: ${problem}`);
  }

  #check(cacheKey: string, schema: Record<string, unknown>, value: unknown, where: string): string[] {
    let validate = this.#compiled.get(cacheKey);
    if (validate === undefined) {
      validate = this.#ajv.compile(pointRefsIntoSpec(schema) as Record<string, unknown>);
      this.#compiled.set(cacheKey, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (error) => `${where}${error.instancePath} ${error.message ?? 'is invalid'}`,
    );
  }
}

/** Rewrites local `$ref`s (`#/components/...`) so that they resolve inside the registered document. */
function pointRefsIntoSpec(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(pointRefsIntoSpec);
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] =
      key === '$ref' && typeof value === 'string' && value.startsWith('#/')
        ? `${SPEC_ID}${value}`
        : pointRefsIntoSpec(value);
  }
  return copy;
}

function itemsOf(schema: Record<string, unknown>): Record<string, unknown> {
  return (schema.items as Record<string, unknown> | undefined) ?? {};
}

/** Converts a query or path string to the type its schema declares, leaving it as text when it does not parse. */
function coerce(raw: string, schema: Record<string, unknown>): unknown {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (
    (types.includes('integer') || types.includes('number')) &&
    raw.trim() !== '' &&
    Number.isFinite(Number(raw))
  )
    return Number(raw);
  if (types.includes('boolean') && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

let shared: OpenApiValidator | undefined;

/** One validator per process, because loading and compiling the document takes a moment. */
export function sharedOpenApiValidator(): OpenApiValidator {
  shared ??= new OpenApiValidator();
  return shared;
}
