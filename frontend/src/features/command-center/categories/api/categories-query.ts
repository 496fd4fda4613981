import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { categoryKeys } from "./keys";

export type CategoryNode = Schemas["FaqCategoryNode"];

export function getCategoryTree(signal?: AbortSignal): Promise<CategoryNode[]> {
  return unwrap(api.GET("/api/v1/faq-categories", { signal }));
}

export function useCategoryTreeQuery() {
  const tenantId = useTenantId();
  return useQuery({ queryKey: categoryKeys.tree(tenantId), queryFn: ({ signal }) => getCategoryTree(signal) });
}

/** The tree flattened in display order, each with its depth (for parent pickers). */
export function flatten(nodes: CategoryNode[], depth = 0): { node: CategoryNode; depth: number }[] {
  return nodes.flatMap((node) => [{ node, depth }, ...flatten(node.children ?? [], depth + 1)]);
}
