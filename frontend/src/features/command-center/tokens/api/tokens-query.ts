import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { tokenKeys } from "./keys";

export type Token = Schemas["PersonalAccessToken"];

export function getTokens(signal?: AbortSignal): Promise<Token[]> {
  return unwrap(api.GET("/api/v1/auth/tokens", { signal }));
}

export function useTokensQuery() {
  const tenantId = useTenantId();
  return useQuery({ queryKey: tokenKeys.mine(tenantId), queryFn: ({ signal }) => getTokens(signal) });
}
