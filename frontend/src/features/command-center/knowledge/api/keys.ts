export const knowledgeKeys = {
  all: ["knowledge"] as const,
  tenant: (tenantId: string) => [...knowledgeKeys.all, tenantId] as const,
  lists: (tenantId: string) => [...knowledgeKeys.tenant(tenantId), "list"] as const,
  list: (tenantId: string, params: object) => [...knowledgeKeys.lists(tenantId), params] as const,
  detail: (tenantId: string, id: string) => [...knowledgeKeys.tenant(tenantId), "detail", id] as const,
};
