import { useMutation } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap, unwrapEmpty } from "../../../../api/errors";
import type { Contact } from "./contacts-query";
import { useRefreshCustomer } from "./use-refresh-customer";

export type ContactCreate = Schemas["ContactCreate"];

export function createContact(customerId: string, body: ContactCreate): Promise<Contact> {
  return unwrap(
    api.POST("/api/v1/customers/{customer_id}/contacts", { params: { path: { customer_id: customerId } }, body }),
  );
}

export function updateContact(customerId: string, contactId: string, body: Schemas["ContactUpdate"]): Promise<Contact> {
  return unwrap(
    api.PATCH("/api/v1/customers/{customer_id}/contacts/{contact_id}", {
      params: { path: { customer_id: customerId, contact_id: contactId } },
      body,
    }),
  );
}

export function deleteContact(customerId: string, contactId: string): Promise<void> {
  return unwrapEmpty(
    api.DELETE("/api/v1/customers/{customer_id}/contacts/{contact_id}", {
      params: { path: { customer_id: customerId, contact_id: contactId } },
    }),
  );
}

/** Create (no `contactId`) or update a contact. */
export function useContactSaveMutation(
  customerId: string,
  contactId: string | undefined,
  { onSuccess, onError }: { onSuccess: () => void; onError: (error: unknown) => void },
) {
  const refresh = useRefreshCustomer();
  return useMutation({
    mutationFn: (body: ContactCreate) =>
      contactId ? updateContact(customerId, contactId, body) : createContact(customerId, body),
    onSuccess: async () => {
      await refresh(customerId);
      onSuccess();
    },
    onError,
  });
}

export function useContactDeleteMutation(customerId: string) {
  const refresh = useRefreshCustomer();
  return useMutation({
    mutationFn: (contactId: string) => deleteContact(customerId, contactId),
    onSuccess: () => refresh(customerId),
  });
}
