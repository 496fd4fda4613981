import { useQuery } from "@tanstack/react-query";
import { api } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import type { Conversation } from "./conversations-query";
import { detailKeys } from "./keys";

export function getConversation(conversationId: string, signal?: AbortSignal): Promise<Conversation> {
  return unwrap(
    api.GET("/api/v1/conversations/{conversation_id}", {
      params: { path: { conversation_id: conversationId } },
      signal,
    }),
  );
}

export function useConversationQuery(customerId: string, conversationId: string) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: [...detailKeys.conversation(tenantId, customerId, conversationId), "record"],
    queryFn: ({ signal }) => getConversation(conversationId, signal),
  });
}
