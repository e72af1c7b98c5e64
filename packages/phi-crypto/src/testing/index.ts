export {
  describeTenantKeyRepositoryContract,
  type RepositoryFixture,
} from './tenant-key-repository-contract.js';
export { describeTokenVaultContract } from './token-vault-contract.js';
