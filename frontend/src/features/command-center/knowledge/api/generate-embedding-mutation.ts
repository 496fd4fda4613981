import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { knowledgeKeys } from "./keys";

export function generateEmbedding(entryId: string): Promise<Schemas["EmbeddingQueued"]> {
  return unwrap(
    api.POST("/api/v1/knowledge/{entry_id}/generate-embedding", { params: { path: { entry_id: entryId } } }),
  );
}

export function useGenerateEmbeddingMutation() {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return useMutation({
    mutationFn: generateEmbedding,
    onSuccess: async (_queued, entryId) => {
      await client.invalidateQueries({ queryKey: knowledgeKeys.detail(tenantId, entryId) });
      await client.invalidateQueries({ queryKey: knowledgeKeys.lists(tenantId) });
    },
  });
}
