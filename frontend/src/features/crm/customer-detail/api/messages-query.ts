import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrapPage } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { detailKeys } from "./keys";

export type ConversationMessage = Schemas["ConversationMessage"];

export function getMessages(conversationId: string, signal?: AbortSignal) {
  return unwrapPage(
    api.GET("/api/v1/conversations/{conversation_id}/messages", {
      params: { path: { conversation_id: conversationId }, query: { page: 1, per_page: 100 } },
      signal,
    }),
  );
}

/** A conversation's messages, oldest first (the first 100). */
export function useMessagesQuery(customerId: string, conversationId: string) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: [...detailKeys.conversation(tenantId, customerId, conversationId), "messages"],
    queryFn: ({ signal }) => getMessages(conversationId, signal),
  });
}
