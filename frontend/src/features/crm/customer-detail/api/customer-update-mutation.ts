import { useMutation } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import type { Customer } from "./customer-query";
import { useRefreshCustomer } from "./use-refresh-customer";

export type CustomerUpdate = Schemas["CustomerUpdate"];

export function updateCustomer(customerId: string, body: CustomerUpdate): Promise<Customer> {
  return unwrap(api.PATCH("/api/v1/customers/{customer_id}", { params: { path: { customer_id: customerId } }, body }));
}

export function useCustomerUpdateMutation(
  customerId: string,
  { onSuccess, onError }: { onSuccess?: (customer: Customer) => void; onError?: (error: unknown) => void } = {},
) {
  const refresh = useRefreshCustomer();
  return useMutation({
    mutationFn: (body: CustomerUpdate) => updateCustomer(customerId, body),
    onSuccess: async (customer) => {
      await refresh(customerId, { lists: true });
      onSuccess?.(customer);
    },
    onError,
  });
}
