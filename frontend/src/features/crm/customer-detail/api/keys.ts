import { customerKeys } from "../../customers/api/keys";

// Every part of one customer's page sits under `customerKeys.detail(tenant, id)`, so invalidating that prefix
// refreshes the whole page (the record, contacts, consent, timeline, conversations, FAQs, AI context).
export const detailKeys = {
  record: (tenantId: string, id: string) => [...customerKeys.detail(tenantId, id), "record"] as const,
  part: (tenantId: string, id: string, part: string) => [...customerKeys.detail(tenantId, id), part] as const,
  timeline: (tenantId: string, id: string, params: object) =>
    [...customerKeys.detail(tenantId, id), "timeline", params] as const,
  conversation: (tenantId: string, id: string, conversationId: string) =>
    [...customerKeys.detail(tenantId, id), "conversation", conversationId] as const,
};
