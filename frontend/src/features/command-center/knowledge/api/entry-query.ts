import { useQuery } from "@tanstack/react-query";
import { api } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import type { Entry } from "./entries-query";
import { knowledgeKeys } from "./keys";

export function getEntry(entryId: string, signal?: AbortSignal): Promise<Entry> {
  return unwrap(api.GET("/api/v1/knowledge/{entry_id}", { params: { path: { entry_id: entryId } }, signal }));
}

export function isEmbedding(entry: Entry | undefined): boolean {
  return entry?.embedding_status === "pending" || entry?.embedding_status === "processing";
}

export function useEntryQuery(entryId: string | undefined) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: knowledgeKeys.detail(tenantId, entryId ?? ""),
    queryFn: ({ signal }) => getEntry(entryId ?? "", signal),
    enabled: Boolean(entryId),
    refetchInterval: (query) => (isEmbedding(query.state.data) ? 2000 : false),
  });
}
