import {
  describeTenantKeyRepositoryContract,
  describeTokenVaultContract,
} from '@skillancer/phi-crypto/testing';
import { forEachEngine } from '@skillancer/testing/database';
import { SqlTenantKeyRepository, SqlTokenVault } from '../src/index.js';

forEachEngine('phi-store contracts', (getDb) => {
  describeTenantKeyRepositoryContract('SqlTenantKeyRepository', async () => {
    await getDb().query('DELETE FROM phi_tenant_keys');
    return { repository: new SqlTenantKeyRepository(getDb()) };
  });
  describeTokenVaultContract('SqlTokenVault', async () => {
    await getDb().query('DELETE FROM phi_tokens');
    return { repository: new SqlTokenVault(getDb()) };
  });
});
