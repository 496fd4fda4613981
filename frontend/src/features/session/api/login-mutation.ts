import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, tokenStore, type Schemas } from "../../../api/client";
import { unwrap } from "../../../api/errors";
import { sessionKeys } from "./keys";

export interface LoginVariables {
  tenant: string;
  email: string;
  password: string;
}

export type LoginResult = Schemas["LoginResult"];

export function login({ tenant, email, password }: LoginVariables): Promise<LoginResult> {
  // Emails are unique per tenant: the workspace says whose account this is.
  const body = { tenant, email, password, token_name: "browser" } as Schemas["LoginRequest"];
  return unwrap(api.POST("/api/v1/auth/login", { body }));
}

export function useLoginMutation({ onError }: { onError: (error: unknown) => void }) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: login,
    meta: { keepOnUnauthorized: true },
    onSuccess: async (result) => {
      tokenStore.set(result.token);
      client.clear();
      await client.invalidateQueries({ queryKey: sessionKeys.all });
    },
    onError,
  });
}
