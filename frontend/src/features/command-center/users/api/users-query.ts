import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrapPage } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { userKeys } from "./keys";

export type User = Schemas["User"];

export function getUsers(query: { page: number; per_page: number }, signal?: AbortSignal) {
  return unwrapPage(api.GET("/api/v1/users", { params: { query }, signal }));
}

export function useUsersQuery(page: number) {
  const tenantId = useTenantId();
  const params = { page, per_page: 20 };
  return useQuery({
    queryKey: userKeys.list(tenantId, params),
    queryFn: ({ signal }) => getUsers(params, signal),
    placeholderData: keepPreviousData,
  });
}
