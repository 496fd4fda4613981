import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap, unwrapPage } from "../../../../api/errors";
import type { operations } from "../../../../api/schema";
import { useTenantId } from "../../../session/api/session";
import { messageKeys } from "./keys";

export type Message = Schemas["Message"];
export type MessagesParams = NonNullable<operations["list_messages_api_v1_messages_get"]["parameters"]["query"]>;

export function getMessages(query: MessagesParams, signal?: AbortSignal) {
  return unwrapPage(api.GET("/api/v1/messages", { params: { query }, signal }));
}

export function getMessage(messageId: string, signal?: AbortSignal): Promise<Message> {
  return unwrap(api.GET("/api/v1/messages/{message_id}", { params: { path: { message_id: messageId } }, signal }));
}

export function useMessagesQuery(params: MessagesParams) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: messageKeys.list(tenantId, params),
    queryFn: ({ signal }) => getMessages(params, signal),
    placeholderData: keepPreviousData,
  });
}

export function useMessageQuery(messageId: string) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: messageKeys.detail(tenantId, messageId),
    queryFn: ({ signal }) => getMessage(messageId, signal),
  });
}
