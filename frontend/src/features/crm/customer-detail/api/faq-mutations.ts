import { useMutation } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap, unwrapEmpty } from "../../../../api/errors";
import type { CustomerFaq } from "./faqs-query";
import { useRefreshCustomer } from "./use-refresh-customer";

export type FaqCreate = Schemas["CustomerFaqCreate"];

export function createFaq(customerId: string, body: FaqCreate): Promise<CustomerFaq> {
  return unwrap(
    api.POST("/api/v1/customers/{customer_id}/faqs", { params: { path: { customer_id: customerId } }, body }),
  );
}

export function updateFaq(customerId: string, faqId: string, body: FaqCreate): Promise<CustomerFaq> {
  return unwrap(
    api.PATCH("/api/v1/customers/{customer_id}/faqs/{faq_id}", {
      params: { path: { customer_id: customerId, faq_id: faqId } },
      body,
    }),
  );
}

export function deleteFaq(customerId: string, faqId: string): Promise<void> {
  return unwrapEmpty(
    api.DELETE("/api/v1/customers/{customer_id}/faqs/{faq_id}", {
      params: { path: { customer_id: customerId, faq_id: faqId } },
    }),
  );
}

/** Create (no `faqId`) or update an FAQ. */
export function useFaqSaveMutation(
  customerId: string,
  faqId: string | undefined,
  { onSuccess, onError }: { onSuccess: () => void; onError: (error: unknown) => void },
) {
  const refresh = useRefreshCustomer();
  return useMutation({
    mutationFn: (body: FaqCreate) => (faqId ? updateFaq(customerId, faqId, body) : createFaq(customerId, body)),
    onSuccess: async () => {
      await refresh(customerId);
      onSuccess();
    },
    onError,
  });
}

export function useFaqDeleteMutation(customerId: string) {
  const refresh = useRefreshCustomer();
  return useMutation({
    mutationFn: (faqId: string) => deleteFaq(customerId, faqId),
    onSuccess: () => refresh(customerId),
  });
}
