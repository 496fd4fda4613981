export const queueKeys = {
  all: ["queue"] as const,
  tenant: (tenantId: string) => [...queueKeys.all, tenantId] as const,
  stats: (tenantId: string) => [...queueKeys.tenant(tenantId), "stats"] as const,
  failed: (tenantId: string, params: object) => [...queueKeys.tenant(tenantId), "failed", params] as const,
  batch: (tenantId: string, id: string) => [...queueKeys.tenant(tenantId), "batch", id] as const,
};
