import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrapPage } from "../../../../api/errors";
import { userKeys } from "../../../command-center/users/api/keys";
import { useTenantId } from "../../../session/api/session";

export type DirectoryUser = Schemas["DirectoryUser"];

// The directory is sorted by name; a picker offers its first page (the API's largest).
const PARAMS = { page: 1, per_page: 100 };

export function getDirectory(query: { page: number; per_page: number; q?: string }, signal?: AbortSignal) {
  return unwrapPage(api.GET("/api/v1/users/directory", { params: { query }, signal }));
}

/** Who may own a customer: the tenant's active users, from the directory every CRM role may read. */
export function useOwnersQuery() {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: userKeys.directory(tenantId, PARAMS),
    queryFn: ({ signal }) => getDirectory(PARAMS, signal),
    select: (page) => page.items,
  });
}

/** The owner as a person reads it (`users` undefined while they load). */
export function ownerName(users: DirectoryUser[] | undefined, ownerId: string | null): string {
  if (!ownerId) return "Unassigned";
  if (!users) return "…";
  const user = users.find((u) => u.id === ownerId);
  return user ? user.name || user.email : "Another user";
}
