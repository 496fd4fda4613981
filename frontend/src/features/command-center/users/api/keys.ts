export const userKeys = {
  all: ["users"] as const,
  tenant: (tenantId: string) => [...userKeys.all, tenantId] as const,
  list: (tenantId: string, params: object) => [...userKeys.tenant(tenantId), "list", params] as const,
};
