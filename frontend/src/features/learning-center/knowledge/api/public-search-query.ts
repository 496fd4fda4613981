import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { publicKnowledgeKeys } from "./keys";

export type PublicSearchResults = Schemas["PublicSearchResults"];

export function searchPublic(tenant: string, q: string, signal?: AbortSignal): Promise<PublicSearchResults> {
  return unwrap(
    api.GET("/api/v1/public/{tenant}/search", { params: { path: { tenant }, query: { q, mode: "hybrid" } }, signal }),
  );
}

export function usePublicSearchQuery(tenant: string, q: string) {
  return useQuery({
    queryKey: publicKnowledgeKeys.search(tenant, q),
    queryFn: ({ signal }) => searchPublic(tenant, q, signal),
    enabled: q.trim().length > 0,
    placeholderData: keepPreviousData,
  });
}
