import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, tokenStore, type Schemas } from "../../../api/client";
import { unwrap } from "../../../api/errors";
import { sessionKeys } from "./keys";

export type Me = Schemas["Me"];

export function getMe(signal?: AbortSignal): Promise<Me> {
  return unwrap(api.GET("/api/v1/auth/me", { signal }));
}

export const meQuery = () =>
  queryOptions({ queryKey: sessionKeys.me(), queryFn: ({ signal }) => getMe(signal), staleTime: 5 * 60_000 });

/** The signed-in user, their tenant and token; disabled without a token. */
export function useMeQuery() {
  return useQuery({ ...meQuery(), enabled: tokenStore.get() !== null });
}
