import { useQuery } from "@tanstack/react-query";
import { getUsers } from "../../../command-center/users/api/users-query";
import { userKeys } from "../../../command-center/users/api/keys";
import { useSession } from "../../../session/api/session";
import { atLeast } from "../../../../app/roles";

const PARAMS = { page: 1, per_page: 100 };

/**
 * The users a customer can be assigned to. The user list is for admins only (`users:read`), so others see just
 * themselves as a choice (and the current owner by id).
 */
export function useOwnersQuery() {
  const session = useSession();
  const isAdmin = atLeast(session.user.role, "admin");
  const users = useQuery({
    queryKey: userKeys.list(session.tenant.id, PARAMS),
    queryFn: ({ signal }) => getUsers(PARAMS, signal),
    enabled: isAdmin,
  });
  const known = users.data?.items ?? [session.user];
  return { users: known, isPending: isAdmin && users.isPending };
}

/** The owner as a person reads it. */
export function ownerName(users: { id: string; name: string | null; email: string }[], ownerId: string | null): string {
  if (!ownerId) return "Unassigned";
  const user = users.find((u) => u.id === ownerId);
  return user ? user.name || user.email : "Another user";
}
