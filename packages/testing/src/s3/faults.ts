import type { S3Operation } from './operations.js';

/** Request details a fault rule can match on. */
export interface FaultRequest {
  operation: S3Operation;
  method: string;
  bucket: string | undefined;
  key: string | undefined;
  /** Part number of an UploadPart request. */
  partNumber: number | undefined;
  headers: Record<string, string | string[] | undefined>;
  query: ReadonlyMap<string, string>;
}

export interface FaultRule {
  /** Matches only these operations. */
  operation?: S3Operation | readonly S3Operation[];
  bucket?: string;
  /** Matches only this key, or keys matching this pattern. */
  key?: string | RegExp;
  /** Matches only this part number (UploadPart). */
  partNumber?: number;
  /** Any further condition. */
  when?: (request: FaultRequest) => boolean;
  /** How many matching requests fail; `Infinity` makes the fault permanent. Defaults to 1. */
  times?: number;
  /**
   * `error` returns an S3 error after reading the body. `drop` destroys the connection as soon as the
   * request arrives. `stall` sends no response, so the client's timeout must end the request.
   */
  action?: 'error' | 'drop' | 'stall';
  /** For `error`: HTTP status, S3 code and message. Defaults to 503 SlowDown. */
  status?: number;
  code?: string;
  message?: string;
}

/** A registered fault; `hits` counts the requests it has failed so far. */
export interface FaultHandle {
  readonly hits: number;
  remove(): void;
}

interface ActiveFault {
  rule: FaultRule;
  hits: number;
  removed: boolean;
}

/** Registered faults, checked in registration order for every authenticated request. */
export class FaultInjector {
  private faults: ActiveFault[] = [];

  add(rule: FaultRule): FaultHandle {
    const fault: ActiveFault = { rule, hits: 0, removed: false };
    this.faults.push(fault);
    return {
      get hits() {
        return fault.hits;
      },
      remove: () => {
        fault.removed = true;
        this.faults = this.faults.filter((candidate) => candidate !== fault);
      },
    };
  }

  clear(): void {
    this.faults = [];
  }

  /** Returns the rule that fails this request, counting the hit, or undefined. */
  take(request: FaultRequest): FaultRule | undefined {
    for (const fault of this.faults) {
      if (fault.removed || fault.hits >= (fault.rule.times ?? 1) || !matches(fault.rule, request)) {
        continue;
      }
      fault.hits += 1;
      return fault.rule;
    }
    return undefined;
  }
}

function matches(rule: FaultRule, request: FaultRequest): boolean {
  if (rule.operation !== undefined) {
    const operations: readonly S3Operation[] =
      typeof rule.operation === 'string' ? [rule.operation] : rule.operation;
    if (!operations.includes(request.operation)) {
      return false;
    }
  }
  if (rule.bucket !== undefined && rule.bucket !== request.bucket) {
    return false;
  }
  if (rule.key !== undefined) {
    const key = request.key ?? '';
    if (typeof rule.key === 'string' ? rule.key !== key : !rule.key.test(key)) {
      return false;
    }
  }
  if (rule.partNumber !== undefined && rule.partNumber !== request.partNumber) {
    return false;
  }
  return rule.when === undefined || rule.when(request);
}
