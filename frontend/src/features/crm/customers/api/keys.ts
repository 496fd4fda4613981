// Customer query keys, shared by the list, the detail page and the import (which invalidates the lists).
// Everything under `detail(tenant, id)` belongs to one customer, so invalidating it refreshes its whole page.
export const customerKeys = {
  all: ["customers"] as const,
  tenant: (tenantId: string) => [...customerKeys.all, tenantId] as const,
  lists: (tenantId: string) => [...customerKeys.tenant(tenantId), "list"] as const,
  list: (tenantId: string, params: object) => [...customerKeys.lists(tenantId), params] as const,
  detail: (tenantId: string, id: string) => [...customerKeys.tenant(tenantId), "detail", id] as const,
  segments: (tenantId: string) => [...customerKeys.tenant(tenantId), "segments"] as const,
  customFields: (tenantId: string) => [...customerKeys.tenant(tenantId), "custom-fields"] as const,
  // Added by the list and the import (append only).
  segmentList: (tenantId: string) => [...customerKeys.segments(tenantId), "list"] as const,
  segment: (tenantId: string, id: string) => [...customerKeys.segments(tenantId), "detail", id] as const,
  importRun: (tenantId: string, id: string) => [...customerKeys.tenant(tenantId), "import", id] as const,
  // Under `lists`: whatever refreshes the lists (a new customer, an import) refreshes the filter suggestions too.
  facets: (tenantId: string) => [...customerKeys.lists(tenantId), "facets"] as const,
  // Conversations across customers (the Conversations page); refreshed with any customer's page.
  conversationLists: (tenantId: string) => [...customerKeys.tenant(tenantId), "conversations"] as const,
  conversationList: (tenantId: string, params: object) => [...customerKeys.conversationLists(tenantId), params] as const,
};
