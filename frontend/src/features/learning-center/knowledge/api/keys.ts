// Public Learning Center keys: the tenant (slug or host) comes second, as in every key factory here.
export const publicKnowledgeKeys = {
  all: ["public-knowledge"] as const,
  tenant: (tenant: string) => [...publicKnowledgeKeys.all, tenant] as const,
  categories: (tenant: string) => [...publicKnowledgeKeys.tenant(tenant), "categories"] as const,
  list: (tenant: string, params: object) => [...publicKnowledgeKeys.tenant(tenant), "list", params] as const,
  entry: (tenant: string, id: string) => [...publicKnowledgeKeys.tenant(tenant), "entry", id] as const,
  search: (tenant: string, query: string) => [...publicKnowledgeKeys.tenant(tenant), "search", query] as const,
};
