import { type ActionWaiter, actionFailed } from '../action-waiter.js';
import { HetznerApiError, isHetznerError } from '../errors.js';
import type { ServersResource } from '../resources/servers.js';
import type { VolumesResource } from '../resources/volumes.js';
import type { Action, CreateVolumeOptions, Volume } from '../types.js';
import { validateCreateVolume, validateSize } from '../validate.js';
import { type LockedRetryOptions, retryOnLocked } from './locked-retry.js';
import { ServerGate } from './server-gate.js';

export interface OperationOptions {
  signal?: AbortSignal;
}

export interface DeleteOptions extends OperationOptions {
  /** Turn delete protection off first instead of failing with `protected`. */
  disableProtection?: boolean;
}

interface Dependencies {
  volumes: VolumesResource;
  servers: ServersResource;
  waiter: ActionWaiter;
  lockedRetry: LockedRetryOptions;
}

/**
 * Volume operations that wait for their actions, return a freshly read volume, and can be repeated
 * safely: create adopts a compatible volume of the same name, attach to the current server, detach of a
 * detached volume, resize to the current size and delete of a missing volume all succeed without harm.
 */
export class VolumeOperations {
  readonly #deps: Dependencies;
  readonly #gate = new ServerGate();

  constructor(deps: Dependencies) {
    this.#deps = deps;
  }

  /**
   * Creates a volume (attached to `server` when given) and waits for the create and attach actions.
   * When the name exists already, a volume with the same size, labels and location is adopted, and any
   * other volume of that name is a `uniqueness_error`. When the create action fails, the new volume is
   * deleted. An attach that fails with `locked` is sent again. An attach that fails otherwise leaves the
   * volume detached, and the `action_failed` error carries the attach action.
   */
  create(options: CreateVolumeOptions, call: OperationOptions = {}): Promise<Volume> {
    return this.#create(options, call, true);
  }

  async #create(options: CreateVolumeOptions, call: OperationOptions, mayResend: boolean): Promise<Volume> {
    validateCreateVolume(options);
    const { volumes, waiter } = this.#deps;
    let created: { volume: Volume; action: Action; nextActions: Action[] };
    try {
      created = await this.#locked(() => volumes.create(options, call.signal), call.signal);
    } catch (error) {
      // A lost response to a create that the API applied is handled by the same adoption path.
      if (!isHetznerError(error, 'uniqueness_error', 'network_error')) throw error;
      return this.#adopt(options, error, call, mayResend);
    }

    const pending = waiter.settle([created.action, ...created.nextActions], { signal: call.signal });
    if (options.server !== undefined) this.#gate.hold(options.server, pending);
    const [createAction, ...attachActions] = await pending;
    if (createAction?.status === 'error') {
      await this.#deleteQuietly(created.volume.id);
      throw actionFailed(createAction);
    }
    const failedAttach = attachActions.find((action) => action.status === 'error');
    if (failedAttach !== undefined && options.server !== undefined) {
      if (failedAttach.error?.code !== 'locked') throw actionFailed(failedAttach);
      return this.#attachDetached(created.volume.id, options.server, options.automount, call);
    }
    return volumes.get(created.volume.id, { signal: call.signal });
  }

  /** Attaches the volume to `server`; a volume already on that server is returned as it is. */
  async attach(
    id: number,
    server: number,
    call: OperationOptions & { automount?: boolean } = {},
  ): Promise<Volume> {
    const volume = await this.#settled(id, call);
    if (volume.serverId === server) return volume;
    if (volume.serverId !== null) throw alreadyAttached(volume, server);
    return this.#attachDetached(id, server, call.automount, call);
  }

  /** Detaches the volume; a detached volume is returned as it is. */
  async detach(id: number, call: OperationOptions = {}): Promise<Volume> {
    const volume = await this.#settled(id, call);
    if (volume.serverId === null) return volume;
    await this.#detachAttached(id, volume.serverId, call);
    return this.#deps.volumes.get(id, { signal: call.signal });
  }

  /** Detaches a volume known to be attached to `serverId` and waits for the detach action. */
  async #detachAttached(id: number, serverId: number, call: OperationOptions): Promise<void> {
    const { volumes, waiter } = this.#deps;
    await this.#gate.run(serverId, async () => {
      const action = await this.#locked(() => volumes.detach(id, { signal: call.signal }), call.signal);
      await waiter.wait([action], { signal: call.signal });
    });
  }

  /**
   * Grows the volume to `size` GB. Given a volume object, a smaller size fails before any request;
   * otherwise the volume is read first. The current size is a no-op, so a resize repeated after a
   * timeout succeeds; a smaller size is `invalid_input`.
   */
  async resize(target: number | Volume, size: number, call: OperationOptions = {}): Promise<Volume> {
    validateSize(size);
    if (typeof target !== 'number') assertGrows(target, size);
    const id = typeof target === 'number' ? target : target.id;
    const volume = await this.#settled(id, call);
    if (volume.size === size) return volume;
    assertGrows(volume, size);

    const { volumes, waiter } = this.#deps;
    let action: Action;
    try {
      action = await this.#locked(() => volumes.resize(id, size, { signal: call.signal }), call.signal);
    } catch (error) {
      // A resize whose response was lost and that the transport sent again finds the size already reached.
      if (!isHetznerError(error, 'invalid_input') || error.origin !== 'api') throw error;
      const current = await volumes.get(id, { signal: call.signal });
      if (current.size === size) return current;
      throw error;
    }
    await waiter.wait([action], { signal: call.signal });
    return volumes.get(id, { signal: call.signal });
  }

  /** Turns delete protection on or off. */
  async setProtection(id: number, enabled: boolean, call: OperationOptions = {}): Promise<Volume> {
    const { volumes, waiter } = this.#deps;
    const action = await this.#locked(
      () => volumes.changeProtection(id, { delete: enabled }, { signal: call.signal }),
      call.signal,
    );
    await waiter.wait([action], { signal: call.signal });
    return volumes.get(id, { signal: call.signal });
  }

  /**
   * Deletes the volume, detaching it first and waiting for the detach. A missing volume counts as
   * deleted. A protected volume fails with `protected` before anything changes, unless
   * `disableProtection` is set.
   */
  async delete(id: number, call: DeleteOptions = {}): Promise<void> {
    let volume: Volume;
    try {
      volume = await this.#settled(id, call);
    } catch (error) {
      if (isHetznerError(error, 'not_found')) return;
      throw error;
    }
    if (volume.protection.delete) {
      if (!call.disableProtection) {
        throw new HetznerApiError({
          code: 'protected',
          origin: 'client',
          message: `volume ${id} (${volume.name}) has delete protection; turn it off before deleting`,
        });
      }
      await this.setProtection(id, false, call);
    }
    if (volume.serverId !== null) await this.#detachAttached(id, volume.serverId, call);

    try {
      await this.#locked(() => this.#deps.volumes.delete(id, { signal: call.signal }), call.signal);
    } catch (error) {
      if (isHetznerError(error, 'not_found')) return;
      throw error;
    }
  }

  /** Reads the volume and, while it is still being created, waits for its running actions first. */
  async #settled(id: number, call: OperationOptions): Promise<Volume> {
    const { volumes, waiter } = this.#deps;
    const volume = await volumes.get(id, { signal: call.signal });
    if (volume.status !== 'creating') return volume;
    const running = await volumes.listActions(id, { status: ['running'], signal: call.signal });
    await waiter.settle(running, { signal: call.signal });
    return volumes.get(id, { signal: call.signal });
  }

  async #attachDetached(
    id: number,
    server: number,
    automount: boolean | undefined,
    call: OperationOptions,
  ): Promise<Volume> {
    const { volumes, waiter, lockedRetry } = this.#deps;
    return this.#gate.run(server, async () => {
      for (let attempt = 1; ; attempt += 1) {
        let action: Action;
        try {
          action = await this.#locked(
            () =>
              volumes.attach(id, server, {
                signal: call.signal,
                ...(automount === undefined ? {} : { automount }),
              }),
            call.signal,
          );
        } catch (error) {
          if (!isHetznerError(error, 'volume_already_attached')) throw error;
          const current = await volumes.get(id, { signal: call.signal });
          if (current.serverId === server) return current;
          throw alreadyAttached(current, server);
        }
        const [done] = await waiter.settle([action], { signal: call.signal });
        if (done?.status === 'success') return volumes.get(id, { signal: call.signal });
        if (done === undefined || done.error?.code !== 'locked' || attempt >= lockedRetry.maxTries) {
          throw actionFailed(done ?? action);
        }
      }
    });
  }

  async #adopt(
    options: CreateVolumeOptions,
    original: HetznerApiError,
    call: OperationOptions,
    mayResend: boolean,
  ): Promise<Volume> {
    const { volumes, servers } = this.#deps;
    const [existing] = (await volumes.list({ name: options.name, signal: call.signal })).items;
    if (existing === undefined) {
      // The lost create was not applied: send it once more.
      if (original.code === 'network_error' && mayResend) return this.#create(options, call, false);
      throw original;
    }
    const location =
      options.server === undefined
        ? options.location
        : (await servers.get(options.server, { signal: call.signal })).location.name;
    const compatible =
      existing.size === options.size &&
      sameLabels(existing.labels, options.labels ?? {}) &&
      (existing.location.name === location || String(existing.location.id) === location);
    if (!compatible) {
      throw new HetznerApiError({
        code: 'uniqueness_error',
        origin: 'api',
        status: original.status ?? 409,
        message: `a volume named '${options.name}' exists with other size, labels or location (volume ${existing.id}); choose another name or delete it`,
        details: { fields: [{ name: 'name' }], volume_id: existing.id },
        cause: original,
      });
    }
    if (options.server === undefined) return this.#settled(existing.id, call);
    return this.attach(existing.id, options.server, {
      ...call,
      ...(options.automount === undefined ? {} : { automount: options.automount }),
    });
  }

  async #deleteQuietly(id: number): Promise<void> {
    try {
      await this.#locked(() => this.#deps.volumes.delete(id));
    } catch {
      // The create already failed; that error is what the caller needs. A volume left behind is
      // found again by its name or labels.
    }
  }

  #locked<T>(operation: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return retryOnLocked(operation, this.#deps.lockedRetry, signal);
  }
}

function assertGrows(volume: Volume, size: number): void {
  if (size >= volume.size) return;
  throw new HetznerApiError({
    code: 'invalid_input',
    origin: 'client',
    message: `invalid input in field 'size': volume ${volume.id} has ${volume.size} GB and cannot shrink to ${size} GB; volumes only grow`,
    details: { fields: [{ name: 'size', messages: ['must be greater than the current size'] }] },
  });
}

function alreadyAttached(volume: Volume, server: number): HetznerApiError {
  return new HetznerApiError({
    code: 'volume_already_attached',
    origin: 'client',
    message: `volume ${volume.id} is attached to server ${volume.serverId}, not ${server}; detach it first`,
    details: { volume_id: volume.id, server_id: volume.serverId },
  });
}

function sameLabels(left: Record<string, string>, right: Record<string, string>): boolean {
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => right[key] === left[key]);
}
