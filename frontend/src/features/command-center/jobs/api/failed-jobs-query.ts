import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrapPage } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { queueKeys } from "./keys";

export type FailedJob = Schemas["FailedJob"];

export function getFailedJobs(query: { page: number; per_page: number }, signal?: AbortSignal) {
  return unwrapPage(api.GET("/api/v1/queue/failed", { params: { query }, signal }));
}

export function useFailedJobsQuery(page: number) {
  const tenantId = useTenantId();
  const params = { page, per_page: 20 };
  return useQuery({
    queryKey: queueKeys.failed(tenantId, params),
    queryFn: ({ signal }) => getFailedJobs(params, signal),
    placeholderData: keepPreviousData,
  });
}
