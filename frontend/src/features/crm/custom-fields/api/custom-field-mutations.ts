import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap, unwrapEmpty } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { customerKeys } from "../../customers/api/keys";

export type CustomFieldCreate = Schemas["CustomFieldDefinitionCreate"];

function useInvalidatingMutation<T>(mutationFn: (input: T) => Promise<unknown>, onError?: (e: unknown) => void) {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return useMutation({
    mutationFn,
    // The definitions shape the list's filters, the profile form and the import's mapping: refresh them all.
    onSuccess: () => client.invalidateQueries({ queryKey: customerKeys.customFields(tenantId) }),
    onError,
  });
}

export function useCustomFieldCreateMutation(onError: (e: unknown) => void) {
  return useInvalidatingMutation(
    (body: CustomFieldCreate) => unwrap(api.POST("/api/v1/customer-fields", { body })),
    onError,
  );
}

export function useCustomFieldDeleteMutation() {
  return useInvalidatingMutation((fieldId: string) =>
    unwrapEmpty(api.DELETE("/api/v1/customer-fields/{field_id}", { params: { path: { field_id: fieldId } } })),
  );
}
