import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../../../api/client";
import { unwrapEmpty } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { customerKeys } from "./keys";

export function deleteSegment(segmentId: string): Promise<void> {
  return unwrapEmpty(api.DELETE("/api/v1/segments/{segment_id}", { params: { path: { segment_id: segmentId } } }));
}

/** Delete a segment. `onSuccess` runs first, so the page lets go of the segment before its count is forgotten
 * (a count still shown would be fetched again, and answer 404). */
export function useSegmentDeleteMutation({ onSuccess }: { onSuccess: () => void }) {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return useMutation({
    mutationFn: deleteSegment,
    onSuccess: async (_data, segmentId) => {
      onSuccess();
      client.removeQueries({ queryKey: customerKeys.segment(tenantId, segmentId) });
      await client.invalidateQueries({ queryKey: customerKeys.segmentList(tenantId) });
    },
  });
}
