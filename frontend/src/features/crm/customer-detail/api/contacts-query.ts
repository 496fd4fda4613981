import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { detailKeys } from "./keys";

export type Contact = Schemas["Contact"];

export function getContacts(customerId: string, signal?: AbortSignal): Promise<Contact[]> {
  return unwrap(
    api.GET("/api/v1/customers/{customer_id}/contacts", { params: { path: { customer_id: customerId } }, signal }),
  );
}

export function useContactsQuery(customerId: string) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: detailKeys.part(tenantId, customerId, "contacts"),
    queryFn: ({ signal }) => getContacts(customerId, signal),
  });
}
