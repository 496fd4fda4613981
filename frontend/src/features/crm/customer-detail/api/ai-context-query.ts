import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { detailKeys } from "./keys";

export type AiContext = Schemas["AiContext"];

export function getAiContext(customerId: string, signal?: AbortSignal): Promise<AiContext> {
  return unwrap(
    api.GET("/api/v1/customers/{customer_id}/ai-context", { params: { path: { customer_id: customerId } }, signal }),
  );
}

export function useAiContextQuery(customerId: string) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: detailKeys.part(tenantId, customerId, "ai-context"),
    queryFn: ({ signal }) => getAiContext(customerId, signal),
  });
}
