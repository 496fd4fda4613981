import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { customerKeys } from "../../customers/api/keys";
import { useTenantId } from "../../../session/api/session";

export function exportCustomer(customerId: string): Promise<Record<string, unknown>> {
  return unwrap(
    api.GET("/api/v1/customers/{customer_id}/privacy-export", { params: { path: { customer_id: customerId } } }),
  );
}

export function eraseCustomer(customerId: string): Promise<Schemas["ErasureReport"]> {
  return unwrap(api.DELETE("/api/v1/customers/{customer_id}", { params: { path: { customer_id: customerId } } }));
}

/** Everything about the customer, as the JSON file the browser downloads. */
export function usePrivacyExportMutation({ onSuccess }: { onSuccess: (data: Record<string, unknown>) => void }) {
  return useMutation({ mutationFn: exportCustomer, onSuccess });
}

export function useEraseCustomerMutation({ onSuccess }: { onSuccess: (report: Schemas["ErasureReport"]) => void }) {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return useMutation({
    mutationFn: eraseCustomer,
    onSuccess: async (report, customerId) => {
      client.removeQueries({ queryKey: customerKeys.detail(tenantId, customerId) });
      await client.invalidateQueries({ queryKey: customerKeys.lists(tenantId) });
      onSuccess(report);
    },
  });
}
