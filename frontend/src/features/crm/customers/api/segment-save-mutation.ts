import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { customerKeys } from "./keys";
import type { Segment } from "./segments-query";

export type SegmentCreate = Schemas["SegmentCreate"];
export type SegmentUpdate = Schemas["SegmentUpdate"];

export function createSegment(body: SegmentCreate): Promise<Segment> {
  return unwrap(api.POST("/api/v1/segments", { body }));
}

export function updateSegment(segmentId: string, body: SegmentUpdate): Promise<Segment> {
  return unwrap(api.PATCH("/api/v1/segments/{segment_id}", { params: { path: { segment_id: segmentId } }, body }));
}

type Save = { segmentId: null; body: SegmentCreate } | { segmentId: string; body: SegmentUpdate };

/** Save a new segment, or rename / re-filter one; the segment list and counts are refreshed before `onSuccess`. */
export function useSegmentSaveMutation({
  onSuccess,
  onError,
}: {
  onSuccess: (segment: Segment) => void;
  onError?: (error: unknown) => void;
}) {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (save: Save) =>
      save.segmentId === null ? createSegment(save.body) : updateSegment(save.segmentId, save.body),
    onSuccess: async (segment) => {
      await client.invalidateQueries({ queryKey: customerKeys.segments(tenantId) });
      onSuccess(segment);
    },
    onError,
  });
}
