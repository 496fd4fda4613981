import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap, unwrapWithMessage } from "../../../../api/errors";
import { knowledgeKeys } from "../../../command-center/knowledge/api/keys";
import { useTenantId } from "../../../session/api/session";
import { customerKeys } from "../../customers/api/keys";
import type { PendingQuestion } from "./questions-query";
import { questionKeys } from "./keys";

export type QuestionCreate = Schemas["PendingQuestionCreate"];
export type Publish = Schemas["Publish"];

interface Callbacks<T> {
  onSuccess: (value: T) => void;
  onError: (error: unknown) => void;
}

const path = (questionId: string) => ({ params: { path: { question_id: questionId } } });

export function askQuestion(body: QuestionCreate) {
  return unwrapWithMessage(api.POST("/api/v1/pending-questions", { body }));
}

export function answerQuestion(questionId: string, answer: string): Promise<PendingQuestion> {
  return unwrap(api.POST("/api/v1/pending-questions/{question_id}/answer", { ...path(questionId), body: { answer } }));
}

export function publishQuestion(questionId: string, body: Publish): Promise<PendingQuestion> {
  return unwrap(api.POST("/api/v1/pending-questions/{question_id}/publish", { ...path(questionId), body }));
}

export function dismissQuestion(questionId: string): Promise<PendingQuestion> {
  return unwrap(api.POST("/api/v1/pending-questions/{question_id}/dismiss", path(questionId)));
}

/** Refresh every question list, and the customer pages a question belongs to (their open questions, FAQs). */
function useRefreshQuestions() {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return async (question: PendingQuestion, extra: readonly (readonly unknown[])[] = []) => {
    await client.invalidateQueries({ queryKey: questionKeys.lists(tenantId) });
    if (question.customer_id) {
      await client.invalidateQueries({ queryKey: customerKeys.detail(tenantId, question.customer_id) });
    }
    for (const key of extra) await client.invalidateQueries({ queryKey: key });
  };
}

/** Ask a question; a near-duplicate of an open one is merged into it (the API then answers 200, not 201). */
export function useAskQuestionMutation({ onSuccess, onError }: Callbacks<{ question: PendingQuestion; message: string | null }>) {
  const refresh = useRefreshQuestions();
  return useMutation({
    mutationFn: askQuestion,
    onSuccess: async ({ data, message }) => {
      await refresh(data);
      onSuccess({ question: data, message });
    },
    onError,
  });
}

export function useAnswerQuestionMutation({ onSuccess, onError }: Callbacks<PendingQuestion>) {
  const refresh = useRefreshQuestions();
  return useMutation({
    mutationFn: ({ id, answer }: { id: string; answer: string }) => answerQuestion(id, answer),
    onSuccess: async (question) => {
      await refresh(question);
      onSuccess(question);
    },
    onError,
  });
}

export function usePublishQuestionMutation({ onSuccess, onError }: Callbacks<PendingQuestion>) {
  const tenantId = useTenantId();
  const refresh = useRefreshQuestions();
  return useMutation({
    mutationFn: ({ id, ...body }: Publish & { id: string }) => publishQuestion(id, body),
    onSuccess: async (question, { customer_id }) => {
      const extra: (readonly unknown[])[] = [knowledgeKeys.lists(tenantId)];
      if (customer_id) extra.push(customerKeys.detail(tenantId, customer_id));
      await refresh(question, extra);
      onSuccess(question);
    },
    onError,
  });
}

export function useDismissQuestionMutation({ onSuccess, onError }: Callbacks<PendingQuestion>) {
  const refresh = useRefreshQuestions();
  return useMutation({
    mutationFn: dismissQuestion,
    onSuccess: async (question) => {
      await refresh(question);
      onSuccess(question);
    },
    onError,
  });
}
