import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { queueKeys } from "./keys";

export type QueueStats = Schemas["QueueStats"];

export function getQueueStats(signal?: AbortSignal): Promise<QueueStats[]> {
  return unwrap(api.GET("/api/v1/queue/stats", { signal }));
}

export function useQueueStatsQuery() {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: queueKeys.stats(tenantId),
    queryFn: ({ signal }) => getQueueStats(signal),
    refetchInterval: 5000,
  });
}
