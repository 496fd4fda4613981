import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { detailKeys } from "./keys";

export type Customer = Schemas["Customer"];

export function getCustomer(customerId: string, signal?: AbortSignal): Promise<Customer> {
  return unwrap(api.GET("/api/v1/customers/{customer_id}", { params: { path: { customer_id: customerId } }, signal }));
}

export function useCustomerQuery(customerId: string) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: detailKeys.record(tenantId, customerId),
    queryFn: ({ signal }) => getCustomer(customerId, signal),
  });
}
