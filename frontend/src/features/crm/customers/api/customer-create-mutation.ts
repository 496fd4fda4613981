import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import type { Customer } from "./customers-query";
import { customerKeys } from "./keys";

export type CustomerCreate = Schemas["CustomerCreate"];

export function createCustomer(body: CustomerCreate): Promise<Customer> {
  return unwrap(api.POST("/api/v1/customers", { body }));
}

/** Create a customer; the lists and segment counts are refreshed before `onSuccess`. */
export function useCustomerCreateMutation({
  onSuccess,
  onError,
}: {
  onSuccess: (customer: Customer) => void;
  onError: (error: unknown) => void;
}) {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return useMutation({
    mutationFn: createCustomer,
    onSuccess: async (customer) => {
      await Promise.all([
        client.invalidateQueries({ queryKey: customerKeys.lists(tenantId) }),
        client.invalidateQueries({ queryKey: customerKeys.segments(tenantId) }),
      ]);
      onSuccess(customer);
    },
    onError,
  });
}
