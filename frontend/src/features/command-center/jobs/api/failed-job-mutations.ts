import { useMutation, useQueryClient } from "@tanstack/react-query";
import { notifications } from "@mantine/notifications";
import { api } from "../../../../api/client";
import { unwrapWithMessage } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { queueKeys } from "./keys";

export function retryFailedJob(jobId: string) {
  return unwrapWithMessage(api.POST("/api/v1/queue/failed/{job_id}/retry", { params: { path: { job_id: jobId } } }));
}

export function forgetFailedJob(jobId: string) {
  return unwrapWithMessage(api.DELETE("/api/v1/queue/failed/{job_id}", { params: { path: { job_id: jobId } } }));
}

function useFailedJobMutation(action: (jobId: string) => Promise<{ message: string | null }>) {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return useMutation({
    mutationFn: action,
    onSuccess: async ({ message }) => {
      await client.invalidateQueries({ queryKey: queueKeys.tenant(tenantId) });
      if (message) notifications.show({ color: "green", message });
    },
  });
}

export const useRetryFailedJobMutation = () => useFailedJobMutation(retryFailedJob);
export const useForgetFailedJobMutation = () => useFailedJobMutation(forgetFailedJob);
