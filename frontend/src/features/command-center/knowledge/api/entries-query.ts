import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrapPage } from "../../../../api/errors";
import type { operations } from "../../../../api/schema";
import { useTenantId } from "../../../session/api/session";
import { knowledgeKeys } from "./keys";

export type Entry = Schemas["KnowledgeEntry"];
export type EntriesParams = NonNullable<operations["list_entries_api_v1_knowledge_get"]["parameters"]["query"]>;

export function getEntries(query: EntriesParams, signal?: AbortSignal) {
  return unwrapPage(api.GET("/api/v1/knowledge", { params: { query }, signal }));
}

export function useEntriesQuery(params: EntriesParams) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: knowledgeKeys.list(tenantId, params),
    queryFn: ({ signal }) => getEntries(params, signal),
    placeholderData: keepPreviousData,
    // Embeddings are made in the background: follow them while any entry on the page waits for one.
    refetchInterval: (query) =>
      query.state.data?.items.some((e) => e.embedding_status === "pending" || e.embedding_status === "processing")
        ? 2000
        : false,
  });
}
