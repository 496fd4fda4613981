import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../../../api/client";
import { unwrapEmpty } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { customerKeys } from "./keys";

export function deleteSegment(segmentId: string): Promise<void> {
  return unwrapEmpty(api.DELETE("/api/v1/segments/{segment_id}", { params: { path: { segment_id: segmentId } } }));
}

/**
 * Delete a segment, then refresh the list. Its count is not removed from the cache: the page still shows it
 * until the router's (transition) update lets go of the segment, and a removed query it still shows would be
 * fetched again and answer 404.
 */
export function useSegmentDeleteMutation({ onSuccess }: { onSuccess: () => void }) {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return useMutation({
    mutationFn: deleteSegment,
    onSuccess: async () => {
      onSuccess();
      await client.invalidateQueries({ queryKey: customerKeys.segmentList(tenantId) });
    },
  });
}
