import { type CheckResult, type DoctorContext, warning } from './check.js';

/** Warns about every embedded default still in use, because none of them is fit for production. */
export function checkProductionReadiness(context: DoctorContext): CheckResult[] {
  const { config } = context;
  const check = 'production readiness';
  const warnings: CheckResult[] = [];
  if (context.keyring?.source !== 'environment') {
    warnings.push(
      warning(
        check,
        'development master key in use: anyone with DATA_DIR can decrypt the PHI',
        'generate a key with `skillancer keys generate`, keep it in a secret store and set ENCRYPTION_MASTER_KEY',
      ),
    );
  }
  if (!config.database.url) {
    warnings.push(
      warning(
        check,
        'embedded PGlite database: one process only, no replicas, no managed backups',
        'set DATABASE_URL to a PostgreSQL database',
      ),
    );
  }
  if (config.storage.driver === 'filesystem') {
    warnings.push(
      warning(
        check,
        `filesystem object storage under ${config.storage.rootDir}: not shared between replicas`,
        'set S3_ENDPOINT, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY for R2',
      ),
    );
  }
  if (config.volumes.provider === 'local') {
    warnings.push(
      warning(
        check,
        'local volumes: SkillPod data stays on this machine',
        'set HETZNER_API_TOKEN to use Hetzner Cloud volumes',
      ),
    );
  }
  return warnings;
}
