// Pending questions of a tenant: the inbox's lists and a customer's own list share the `lists` prefix.
export const questionKeys = {
  all: ["pending-questions"] as const,
  tenant: (tenantId: string) => [...questionKeys.all, tenantId] as const,
  lists: (tenantId: string) => [...questionKeys.tenant(tenantId), "list"] as const,
  list: (tenantId: string, params: object) => [...questionKeys.lists(tenantId), params] as const,
};
