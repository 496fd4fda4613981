import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrapPage } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { customerKeys } from "./keys";

export type Segment = Schemas["Segment"];

/** The API's largest page: a tenant keeps a handful of segments, not hundreds. */
export const SEGMENTS_PER_PAGE = 100;

export function getSegments(signal?: AbortSignal) {
  return unwrapPage(api.GET("/api/v1/segments", { params: { query: { per_page: SEGMENTS_PER_PAGE } }, signal }));
}

export function useSegmentsQuery() {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: customerKeys.segmentList(tenantId),
    queryFn: ({ signal }) => getSegments(signal),
  });
}
