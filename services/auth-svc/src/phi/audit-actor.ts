import type { Principal } from '@skillancer/service-kit';

/** Returns the audit actor of an authenticated request. */
export function actorOf(principal: Principal): { type: string; id: string } {
  return { type: 'user', id: principal.userId };
}
