import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { customerKeys } from "../../customers/api/keys";
import { useTenantId } from "../../../session/api/session";

export type CustomFieldDefinition = Schemas["CustomFieldDefinition"];

export function getCustomFields(signal?: AbortSignal): Promise<CustomFieldDefinition[]> {
  return unwrap(api.GET("/api/v1/customer-fields", { signal }));
}

export function useCustomFieldsQuery() {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: customerKeys.customFields(tenantId),
    queryFn: ({ signal }) => getCustomFields(signal),
  });
}
