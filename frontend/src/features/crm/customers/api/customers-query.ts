import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrapPage } from "../../../../api/errors";
import type { operations } from "../../../../api/schema";
import { useTenantId } from "../../../session/api/session";
import { customerKeys } from "./keys";

export type Customer = Schemas["Customer"];
export type CustomersParams = NonNullable<operations["list_customers_api_v1_customers_get"]["parameters"]["query"]>;

export function getCustomers(query: CustomersParams, signal?: AbortSignal) {
  return unwrapPage(api.GET("/api/v1/customers", { params: { query }, signal }));
}

/** A page of customers; the previous page stays on screen while the next one loads. */
export function useCustomersQuery(params: CustomersParams) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: customerKeys.list(tenantId, params),
    queryFn: ({ signal }) => getCustomers(params, signal),
    placeholderData: keepPreviousData,
  });
}
