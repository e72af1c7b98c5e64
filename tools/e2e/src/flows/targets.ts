/** Base URLs of the three services; with an ingress that routes by path prefix they are all the same. */
export interface Targets {
  auth: string;
  skillpod: string;
  cockpit: string;
}

/** A logged-in account that the flows act as. */
export interface Session {
  email: string;
  password: string;
  userId: string;
  tenantId: string;
  accessToken: string;
  refreshToken: string;
}
