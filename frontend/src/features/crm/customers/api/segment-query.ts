import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { customerKeys } from "./keys";

export type SegmentWithCount = Schemas["SegmentWithCount"];

export function getSegment(segmentId: string, signal?: AbortSignal): Promise<SegmentWithCount> {
  return unwrap(api.GET("/api/v1/segments/{segment_id}", { params: { path: { segment_id: segmentId } }, signal }));
}

/** One segment with its live member count (counted again whenever it is shown). */
export function useSegmentQuery(segmentId: string | null) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: customerKeys.segment(tenantId, segmentId ?? ""),
    queryFn: ({ signal }) => getSegment(segmentId ?? "", signal),
    enabled: segmentId !== null,
    staleTime: 0,
  });
}
