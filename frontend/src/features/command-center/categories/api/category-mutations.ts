import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap, unwrapEmpty } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { categoryKeys } from "./keys";

export type CategoryCreate = Schemas["FaqCategoryCreate"];

export function createCategory(body: CategoryCreate) {
  return unwrap(api.POST("/api/v1/faq-categories", { body }));
}

export function updateCategory(categoryId: string, body: Schemas["FaqCategoryUpdate"]) {
  return unwrap(
    api.PATCH("/api/v1/faq-categories/{category_id}", { params: { path: { category_id: categoryId } }, body }),
  );
}

export function deleteCategory(categoryId: string) {
  return unwrapEmpty(api.DELETE("/api/v1/faq-categories/{category_id}", { params: { path: { category_id: categoryId } } }));
}

function useInvalidateTree() {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: categoryKeys.tree(tenantId) });
}

/** Create (no id) or update a category. */
export function useCategorySaveMutation(
  categoryId: string | null,
  { onSuccess, onError }: { onSuccess: () => void; onError: (error: unknown) => void },
) {
  const invalidate = useInvalidateTree();
  return useMutation({
    mutationFn: (body: CategoryCreate) => (categoryId ? updateCategory(categoryId, body) : createCategory(body)),
    onSuccess: async () => {
      await invalidate();
      onSuccess();
    },
    onError,
  });
}

export function useCategoryDeleteMutation() {
  const invalidate = useInvalidateTree();
  return useMutation({ mutationFn: deleteCategory, onSuccess: () => invalidate() });
}
