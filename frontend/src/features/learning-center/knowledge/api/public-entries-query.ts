import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrapPage } from "../../../../api/errors";
import { publicKnowledgeKeys } from "./keys";

export type PublicEntry = Schemas["PublicKnowledgeEntry"];

export interface PublicEntriesParams {
  category?: string;
  sort?: Schemas["KnowledgeSort"];
  page?: number;
  per_page?: number;
}

export function getPublicEntries(tenant: string, query: PublicEntriesParams, signal?: AbortSignal) {
  return unwrapPage(api.GET("/api/v1/public/{tenant}/knowledge", { params: { path: { tenant }, query }, signal }));
}

export function usePublicEntriesQuery(tenant: string, params: PublicEntriesParams) {
  return useQuery({
    queryKey: publicKnowledgeKeys.list(tenant, params),
    queryFn: ({ signal }) => getPublicEntries(tenant, params, signal),
  });
}
