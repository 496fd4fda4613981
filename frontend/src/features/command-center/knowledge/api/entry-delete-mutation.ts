import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../../../api/client";
import { unwrapEmpty } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { knowledgeKeys } from "./keys";

export function deleteEntry(entryId: string): Promise<void> {
  return unwrapEmpty(api.DELETE("/api/v1/knowledge/{entry_id}", { params: { path: { entry_id: entryId } } }));
}

export function useEntryDeleteMutation({ onSuccess }: { onSuccess: () => void }) {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return useMutation({
    mutationFn: deleteEntry,
    onSuccess: async (_data, entryId) => {
      client.removeQueries({ queryKey: knowledgeKeys.detail(tenantId, entryId) });
      await client.invalidateQueries({ queryKey: knowledgeKeys.lists(tenantId) });
      onSuccess();
    },
  });
}
