import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrapPage } from "../../../../api/errors";
import { userKeys } from "../../../command-center/users/api/keys";
import { useTenantId } from "../../../session/api/session";

export type DirectoryUser = Schemas["DirectoryUser"];

interface DirectoryParams {
  page: number;
  per_page: number;
  q?: string;
  id?: string[];
}

// A picker offers the first matches of what is typed (the directory is sorted by name); typing narrows them.
const MATCHES = 20;

export function getDirectory(query: DirectoryParams, signal?: AbortSignal) {
  return unwrapPage(api.GET("/api/v1/users/directory", { params: { query }, signal }));
}

/** Who may own a customer: the tenant's active users whose name or email contains `q` (the first ones without
 * it), from the directory every CRM role may read, searched on the server. */
export function useOwnerMatches(q: string) {
  const tenantId = useTenantId();
  const params: DirectoryParams = { page: 1, per_page: MATCHES, ...(q ? { q } : {}) };
  return useQuery({
    queryKey: userKeys.directory(tenantId, params),
    queryFn: ({ signal }) => getDirectory(params, signal),
    select: (page) => page.items,
    placeholderData: keepPreviousData,
  });
}

/** The users behind these ids (the owners a page shows), to name them; an id not returned is no active user. */
export function useNamedOwners(ids: (string | null | undefined)[]) {
  const tenantId = useTenantId();
  const wanted = [...new Set(ids.filter((id): id is string => Boolean(id)))].sort();
  const params: DirectoryParams = { page: 1, per_page: 100, id: wanted };
  return useQuery({
    queryKey: userKeys.directory(tenantId, params),
    queryFn: ({ signal }) => getDirectory(params, signal),
    select: (page) => page.items,
    enabled: wanted.length > 0,
  });
}

export function userLabel(user: DirectoryUser): string {
  return user.name || user.email;
}

/** The owner as a person reads it (`users` undefined while they load). */
export function ownerName(users: DirectoryUser[] | undefined, ownerId: string | null): string {
  if (!ownerId) return "Unassigned";
  if (!users) return "…";
  const user = users.find((u) => u.id === ownerId);
  return user ? userLabel(user) : "An inactive or removed user";
}
