import { useQuery } from "@tanstack/react-query";
import { atLeast } from "../../../../app/roles";
import { userKeys } from "../../../command-center/users/api/keys";
import { getUsers } from "../../../command-center/users/api/users-query";
import { useSession } from "../../../session/api/session";

const PARAMS = { page: 1, per_page: 100 };

/** Who may own a customer: the tenant's users, which only admins may list (others pick themselves). */
export function useOwnersQuery() {
  const me = useSession();
  return useQuery({
    queryKey: userKeys.list(me.tenant.id, PARAMS),
    queryFn: ({ signal }) => getUsers(PARAMS, signal),
    enabled: atLeast(me.user.role, "admin"),
    select: (page) => page.items.filter((user) => user.is_active),
  });
}
