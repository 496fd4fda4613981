import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { publicKnowledgeKeys } from "./keys";

export type CategoryNode = Schemas["FaqCategoryNode"];

export function getPublicCategories(tenant: string, signal?: AbortSignal): Promise<CategoryNode[]> {
  return unwrap(api.GET("/api/v1/public/{tenant}/faq-categories", { params: { path: { tenant } }, signal }));
}

export function usePublicCategoriesQuery(tenant: string) {
  return useQuery({
    queryKey: publicKnowledgeKeys.categories(tenant),
    queryFn: ({ signal }) => getPublicCategories(tenant, signal),
  });
}
