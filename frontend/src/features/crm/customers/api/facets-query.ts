import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { customerKeys } from "./keys";

export type Facet = Schemas["Facet"];

/** The tenant's tags and industries with their customer counts, most used first: the filters' suggestions. */
export function useFacetsQuery() {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: customerKeys.facets(tenantId),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/customers/facets", { signal })),
  });
}
