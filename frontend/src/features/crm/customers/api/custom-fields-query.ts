import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { customerKeys } from "./keys";

export type CustomFieldDefinition = Schemas["CustomFieldDefinition"];

export function getCustomFields(signal?: AbortSignal): Promise<CustomFieldDefinition[]> {
  return unwrap(api.GET("/api/v1/customer-fields", { signal }));
}

/** The tenant's custom field definitions (list filters, the import's mapping, the profile form). */
export function useCustomFieldsQuery() {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: customerKeys.customFields(tenantId),
    queryFn: ({ signal }) => getCustomFields(signal),
  });
}
