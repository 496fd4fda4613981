import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { publicKnowledgeKeys } from "./keys";

export type VoteResult = Schemas["VoteResult"];

const VISITOR_KEY = "fibonacco.visitor";

/** A random id per browser, so voting again replaces this visitor's vote (only a keyed hash is stored). */
export function visitorId(): string {
  let id = window.localStorage.getItem(VISITOR_KEY);
  if (!id) {
    id = crypto.randomUUID();
    window.localStorage.setItem(VISITOR_KEY, id);
  }
  return id;
}

export function votePublic(tenant: string, entryId: string, helpful: boolean): Promise<VoteResult> {
  return unwrap(
    api.POST("/api/v1/public/{tenant}/knowledge/{entry_id}/vote", {
      params: { path: { tenant, entry_id: entryId } },
      body: { helpful, visitor_id: visitorId() },
    }),
  );
}

export function usePublicVoteMutation(tenant: string, entryId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (helpful: boolean) => votePublic(tenant, entryId, helpful),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: publicKnowledgeKeys.tenant(tenant) });
    },
  });
}
