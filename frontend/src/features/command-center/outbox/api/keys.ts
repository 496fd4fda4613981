export const messageKeys = {
  all: ["messages"] as const,
  tenant: (tenantId: string) => [...messageKeys.all, tenantId] as const,
  list: (tenantId: string, params: object) => [...messageKeys.tenant(tenantId), "list", params] as const,
  detail: (tenantId: string, id: string) => [...messageKeys.tenant(tenantId), "detail", id] as const,
};
