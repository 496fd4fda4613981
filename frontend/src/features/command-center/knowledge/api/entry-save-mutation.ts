import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import type { Entry } from "./entries-query";
import { knowledgeKeys } from "./keys";

export type EntryCreate = Schemas["KnowledgeEntryCreate"];
export type EntryUpdate = Schemas["KnowledgeEntryUpdate"];

export function createEntry(body: EntryCreate): Promise<Entry> {
  return unwrap(api.POST("/api/v1/knowledge", { body }));
}

export function updateEntry(entryId: string, body: EntryUpdate): Promise<Entry> {
  return unwrap(api.PATCH("/api/v1/knowledge/{entry_id}", { params: { path: { entry_id: entryId } }, body }));
}

/** Create (no `entryId`) or update an entry; the lists and the entry are refreshed before `onSuccess`. */
export function useEntrySaveMutation(
  entryId: string | undefined,
  { onSuccess, onError }: { onSuccess: (entry: Entry) => void; onError: (error: unknown) => void },
) {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: EntryCreate) => (entryId ? updateEntry(entryId, body) : createEntry(body)),
    onSuccess: async (entry) => {
      client.setQueryData(knowledgeKeys.detail(tenantId, entry.id), entry);
      await client.invalidateQueries({ queryKey: knowledgeKeys.lists(tenantId) });
      onSuccess(entry);
    },
    onError,
  });
}
