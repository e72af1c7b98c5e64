import type { StepReporter } from '../reporter.js';
import { accountFlow } from './accounts.js';
import { avatarFlow } from './avatar.js';
import { invoiceFlow } from './invoices.js';
import { phiFlow } from './phi.js';
import { podFlow } from './pods.js';
import { recordingFlow } from './recordings.js';
import type { Session, Targets } from './targets.js';

export type { Session, Targets } from './targets.js';

export interface FlowResults {
  freelancer: Session;
  client: Session;
  phiRecordId: string;
  podId: string;
}

/**
 * Runs the platform's critical flows over HTTP against running services: accounts, avatar, PHI,
 * SkillPod with a session recording, and invoice PDF, each with a cross-tenant check.
 */
export async function runCriticalFlows(targets: Targets, steps: StepReporter): Promise<FlowResults> {
  const { freelancer, client } = await accountFlow(targets, steps);
  await avatarFlow(targets, steps, freelancer);
  const phiRecordId = await phiFlow(targets, steps, client, freelancer);
  const podId = await podFlow(targets, steps, freelancer, client, (id) =>
    recordingFlow(targets, steps, freelancer, client, id),
  );
  await invoiceFlow(targets, steps, freelancer, client);
  return { freelancer, client, phiRecordId, podId };
}
