import { useMutation } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import type { Customer } from "./customer-query";
import { useRefreshCustomer } from "./use-refresh-customer";

export type BusinessContext = Schemas["BusinessContextUpdate"];

export function replaceBusinessContext(customerId: string, body: BusinessContext): Promise<Customer> {
  return unwrap(
    api.PUT("/api/v1/customers/{customer_id}/business-context", {
      params: { path: { customer_id: customerId } },
      body,
    }),
  );
}

export function useBusinessContextMutation(
  customerId: string,
  { onSuccess, onError }: { onSuccess: () => void; onError: (error: unknown) => void },
) {
  const refresh = useRefreshCustomer();
  return useMutation({
    mutationFn: (body: BusinessContext) => replaceBusinessContext(customerId, body),
    onSuccess: async () => {
      await refresh(customerId);
      onSuccess();
    },
    onError,
  });
}
