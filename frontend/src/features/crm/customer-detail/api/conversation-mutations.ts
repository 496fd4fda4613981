import { useMutation } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import type { Conversation } from "./conversations-query";
import type { ConversationMessage } from "./messages-query";
import { useRefreshCustomer } from "./use-refresh-customer";

export type ConversationCreate = Schemas["ConversationCreate"];
export type ConversationEnd = Schemas["ConversationEnd"];
export type MessageCreate = Schemas["ConversationMessageCreate"];

interface Callbacks<T> {
  onSuccess: (value: T) => void;
  onError: (error: unknown) => void;
}

export function startConversation(body: ConversationCreate): Promise<Conversation> {
  return unwrap(api.POST("/api/v1/conversations", { body }));
}

export function endConversation(conversationId: string, body: ConversationEnd): Promise<Conversation> {
  return unwrap(
    api.POST("/api/v1/conversations/{conversation_id}/end", {
      params: { path: { conversation_id: conversationId } },
      body,
    }),
  );
}

export function addMessage(conversationId: string, body: MessageCreate): Promise<ConversationMessage> {
  return unwrap(
    api.POST("/api/v1/conversations/{conversation_id}/messages", {
      params: { path: { conversation_id: conversationId } },
      body,
    }),
  );
}

// Each of these lands on the customer's timeline, so the whole page is refreshed.

export function useStartConversationMutation(customerId: string, { onSuccess, onError }: Callbacks<Conversation>) {
  const refresh = useRefreshCustomer();
  return useMutation({
    mutationFn: (body: Omit<ConversationCreate, "customer_id">) =>
      startConversation({ ...body, customer_id: customerId }),
    onSuccess: async (conversation) => {
      await refresh(customerId, { lists: true });
      onSuccess(conversation);
    },
    onError,
  });
}

export function useEndConversationMutation(
  customerId: string,
  conversationId: string,
  { onSuccess, onError }: Callbacks<Conversation>,
) {
  const refresh = useRefreshCustomer();
  return useMutation({
    mutationFn: (body: ConversationEnd) => endConversation(conversationId, body),
    onSuccess: async (conversation) => {
      await refresh(customerId, { lists: true });
      onSuccess(conversation);
    },
    onError,
  });
}

export function useAddMessageMutation(
  customerId: string,
  conversationId: string,
  { onSuccess, onError }: Callbacks<ConversationMessage>,
) {
  const refresh = useRefreshCustomer();
  return useMutation({
    mutationFn: (body: MessageCreate) => addMessage(conversationId, body),
    onSuccess: async (message) => {
      await refresh(customerId, { lists: true });
      onSuccess(message);
    },
    onError,
  });
}
