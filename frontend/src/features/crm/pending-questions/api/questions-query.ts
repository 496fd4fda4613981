import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrapPage } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { questionKeys } from "./keys";

export type PendingQuestion = Schemas["PendingQuestion"];
export type QuestionStatus = Schemas["QuestionStatus"];
export interface QuestionsParams {
  page: number;
  per_page: number;
  status?: QuestionStatus;
  customer_id?: string;
}

export function getQuestions(query: QuestionsParams, signal?: AbortSignal) {
  return unwrapPage(api.GET("/api/v1/pending-questions", { params: { query }, signal }));
}

/** Most asked first. */
export function useQuestionsQuery(params: QuestionsParams) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: questionKeys.list(tenantId, params),
    queryFn: ({ signal }) => getQuestions(params, signal),
    placeholderData: keepPreviousData,
  });
}
