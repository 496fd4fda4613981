import { useMutation } from "@tanstack/react-query";
import { api } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useRefreshCustomer } from "./use-refresh-customer";

export function addNote(customerId: string, body: string): Promise<Record<string, string>> {
  return unwrap(
    api.POST("/api/v1/customers/{customer_id}/notes", {
      params: { path: { customer_id: customerId } },
      body: { body },
    }),
  );
}

export function useNoteMutation(
  customerId: string,
  { onSuccess, onError }: { onSuccess: () => void; onError: (error: unknown) => void },
) {
  const refresh = useRefreshCustomer();
  return useMutation({
    mutationFn: (body: string) => addNote(customerId, body),
    onSuccess: async () => {
      await refresh(customerId, { lists: true }); // last activity moves
      onSuccess();
    },
    onError,
  });
}
