import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrapPage } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { detailKeys } from "./keys";

export type CustomerEvent = Schemas["CustomerEvent"];
export interface TimelineParams {
  page: number;
  per_page: number;
  type?: string[];
}

export function getTimeline(customerId: string, query: TimelineParams, signal?: AbortSignal) {
  return unwrapPage(
    api.GET("/api/v1/customers/{customer_id}/timeline", {
      params: { path: { customer_id: customerId }, query },
      signal,
    }),
  );
}

/** A page of the customer's timeline, newest first. */
export function useTimelineQuery(customerId: string, params: TimelineParams) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: detailKeys.timeline(tenantId, customerId, params),
    queryFn: ({ signal }) => getTimeline(customerId, params, signal),
    placeholderData: keepPreviousData,
  });
}
