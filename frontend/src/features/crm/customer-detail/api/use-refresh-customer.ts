import { useQueryClient } from "@tanstack/react-query";
import { customerKeys } from "../../customers/api/keys";
import { useTenantId } from "../../../session/api/session";

/** After a change to a customer: refresh its whole page, the conversations across customers (its conversations
 * change from there), and, if asked, the customer lists it appears in. */
export function useRefreshCustomer() {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return async (customerId: string, { lists = false }: { lists?: boolean } = {}) => {
    await client.invalidateQueries({ queryKey: customerKeys.detail(tenantId, customerId) });
    await client.invalidateQueries({ queryKey: customerKeys.conversationLists(tenantId) });
    if (lists) await client.invalidateQueries({ queryKey: customerKeys.lists(tenantId) });
  };
}
