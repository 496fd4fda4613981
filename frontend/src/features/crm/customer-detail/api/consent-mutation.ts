import { useMutation } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import type { ConsentState } from "./consent-query";
import { useRefreshCustomer } from "./use-refresh-customer";

export type ConsentChannel = Schemas["ConsentChannel"];
export type ConsentChange = Schemas["ConsentChange"];

export function setConsent(customerId: string, channel: ConsentChannel, body: ConsentChange): Promise<ConsentState> {
  return unwrap(
    api.PUT("/api/v1/customers/{customer_id}/consent/{channel}", {
      params: { path: { customer_id: customerId, channel } },
      body,
    }),
  );
}

export function useConsentMutation(
  customerId: string,
  { onSuccess, onError }: { onSuccess: () => void; onError: (error: unknown) => void },
) {
  const refresh = useRefreshCustomer();
  return useMutation({
    mutationFn: ({ channel, ...body }: ConsentChange & { channel: ConsentChannel }) =>
      setConsent(customerId, channel, body),
    onSuccess: async () => {
      await refresh(customerId, { lists: true }); // the list filters by consent
      onSuccess();
    },
    onError,
  });
}
