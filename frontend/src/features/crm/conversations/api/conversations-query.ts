import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrapPage } from "../../../../api/errors";
import type { operations } from "../../../../api/schema";
import { useTenantId } from "../../../session/api/session";
import { customerKeys } from "../../customers/api/keys";

export type ConversationListItem = Schemas["ConversationListItem"];
export type ConversationsParams = NonNullable<
  operations["list_conversations_api_v1_conversations_get"]["parameters"]["query"]
>;

/** Conversations across customers, each with its customer's name; the previous page stays while the next loads. */
export function useAllConversationsQuery(params: ConversationsParams) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: customerKeys.conversationList(tenantId, params),
    queryFn: ({ signal }) => unwrapPage(api.GET("/api/v1/conversations", { params: { query: params }, signal })),
    placeholderData: keepPreviousData,
  });
}
