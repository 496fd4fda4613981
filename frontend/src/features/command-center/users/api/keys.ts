export const userKeys = {
  all: ["users"] as const,
  tenant: (tenantId: string) => [...userKeys.all, tenantId] as const,
  list: (tenantId: string, params: object) => [...userKeys.tenant(tenantId), "list", params] as const,
  // The directory of active users (CRM owner pickers); under `tenant`, so changing a user refreshes it too.
  directory: (tenantId: string, params: object) => [...userKeys.tenant(tenantId), "directory", params] as const,
};
