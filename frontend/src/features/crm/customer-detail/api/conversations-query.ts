import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrapPage } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { detailKeys } from "./keys";

export type Conversation = Schemas["Conversation"];

export function getConversations(customerId: string, page: number, signal?: AbortSignal) {
  return unwrapPage(
    api.GET("/api/v1/conversations", { params: { query: { customer_id: customerId, page, per_page: 20 } }, signal }),
  );
}

/** The customer's conversations, newest first. */
export function useConversationsQuery(customerId: string, page: number) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: [...detailKeys.part(tenantId, customerId, "conversations"), page],
    queryFn: ({ signal }) => getConversations(customerId, page, signal),
    placeholderData: keepPreviousData,
  });
}
