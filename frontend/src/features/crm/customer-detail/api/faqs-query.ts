import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { detailKeys } from "./keys";

export type CustomerFaq = Schemas["CustomerFaq"];

export function getFaqs(customerId: string, signal?: AbortSignal): Promise<CustomerFaq[]> {
  return unwrap(
    api.GET("/api/v1/customers/{customer_id}/faqs", { params: { path: { customer_id: customerId } }, signal }),
  );
}

export function useFaqsQuery(customerId: string) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: detailKeys.part(tenantId, customerId, "faqs"),
    queryFn: ({ signal }) => getFaqs(customerId, signal),
  });
}
