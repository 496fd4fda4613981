import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { detailKeys } from "./keys";

export type ConsentState = Schemas["ConsentState"];

export function getConsents(customerId: string, signal?: AbortSignal): Promise<ConsentState[]> {
  return unwrap(
    api.GET("/api/v1/customers/{customer_id}/consent", { params: { path: { customer_id: customerId } }, signal }),
  );
}

export function useConsentsQuery(customerId: string) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: detailKeys.part(tenantId, customerId, "consent"),
    queryFn: ({ signal }) => getConsents(customerId, signal),
  });
}
