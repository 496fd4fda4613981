import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../../../../api/client";
import { unwrapPage } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { customerKeys } from "../../customers/api/keys";

/** Customers matching `q` (typos tolerated), best match first: the choices of a customer picker. */
export function useCustomerSearchQuery(q: string) {
  const tenantId = useTenantId();
  const query = q.trim() ? { q: q.trim(), sort: "relevance" as const, per_page: 10 } : { per_page: 10 };
  return useQuery({
    queryKey: customerKeys.list(tenantId, query),
    queryFn: ({ signal }) => unwrapPage(api.GET("/api/v1/customers", { params: { query }, signal })),
    placeholderData: keepPreviousData,
  });
}
