import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { queueKeys } from "./keys";

export type JobBatch = Schemas["JobBatch"];

export function getBatch(batchId: string, signal?: AbortSignal): Promise<JobBatch> {
  return unwrap(api.GET("/api/v1/queue/batches/{batch_id}", { params: { path: { batch_id: batchId } }, signal }));
}

/** A batch's progress, polled every 2 s until it has finished. */
export function useBatchQuery(batchId: string | null) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: queueKeys.batch(tenantId, batchId ?? ""),
    queryFn: ({ signal }) => getBatch(batchId ?? "", signal),
    enabled: batchId !== null,
    refetchInterval: (query) => (query.state.data?.finished_at ? false : 2000),
  });
}
