import { InMemoryTenantKeyRepository, InMemoryTokenVault } from '../src/index.js';
import { describeTenantKeyRepositoryContract, describeTokenVaultContract } from '../src/testing/index.js';

describeTenantKeyRepositoryContract('in-memory', async () => ({
  repository: new InMemoryTenantKeyRepository(),
}));
describeTokenVaultContract('in-memory', async () => ({ repository: new InMemoryTokenVault() }));
