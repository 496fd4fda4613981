import { useQueryClient } from "@tanstack/react-query";
import { customerKeys } from "../../customers/api/keys";
import { useTenantId } from "../../../session/api/session";

/** After a change to a customer: refresh its whole page, and the lists it appears in. */
export function useRefreshCustomer() {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return async (customerId: string, { lists = false }: { lists?: boolean } = {}) => {
    await client.invalidateQueries({ queryKey: customerKeys.detail(tenantId, customerId) });
    if (lists) await client.invalidateQueries({ queryKey: customerKeys.lists(tenantId) });
  };
}
