import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { tokenKeys } from "./keys";

export type TokenCreate = Schemas["PersonalAccessTokenCreate"];
export type IssuedToken = Schemas["IssuedToken"];

export function createToken(body: TokenCreate): Promise<IssuedToken> {
  return unwrap(api.POST("/api/v1/auth/tokens", { body }));
}

export function revokeToken(tokenId: string) {
  return unwrap(api.DELETE("/api/v1/auth/tokens/{token_id}", { params: { path: { token_id: tokenId } } }));
}

function useInvalidateTokens() {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: tokenKeys.mine(tenantId) });
}

export function useTokenCreateMutation({ onSuccess, onError }: { onSuccess: (t: IssuedToken) => void; onError: (e: unknown) => void }) {
  const invalidate = useInvalidateTokens();
  return useMutation({
    mutationFn: createToken,
    onSuccess: async (issued) => {
      await invalidate();
      onSuccess(issued);
    },
    onError,
  });
}

export function useTokenRevokeMutation() {
  const invalidate = useInvalidateTokens();
  return useMutation({ mutationFn: revokeToken, onSuccess: () => invalidate() });
}
