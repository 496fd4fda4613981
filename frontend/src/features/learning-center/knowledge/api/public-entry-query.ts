import { useQuery } from "@tanstack/react-query";
import { api } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { publicKnowledgeKeys } from "./keys";
import type { PublicEntry } from "./public-entries-query";

export function getPublicEntry(tenant: string, entryId: string, signal?: AbortSignal): Promise<PublicEntry> {
  return unwrap(
    api.GET("/api/v1/public/{tenant}/knowledge/{entry_id}", { params: { path: { tenant, entry_id: entryId } }, signal }),
  );
}

export function usePublicEntryQuery(tenant: string, entryId: string) {
  return useQuery({
    queryKey: publicKnowledgeKeys.entry(tenant, entryId),
    queryFn: ({ signal }) => getPublicEntry(tenant, entryId, signal),
  });
}
