import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, tokenStore } from "../../../api/client";
import { unwrapEmpty } from "../../../api/errors";

export function logout(): Promise<void> {
  return unwrapEmpty(api.POST("/api/v1/auth/logout"));
}

/** Revokes the token on the server; the browser forgets it whatever the server answers. */
export function useLogoutMutation({ onSettled }: { onSettled: () => void }) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSettled: () => {
      tokenStore.clear();
      client.clear();
      onSettled();
    },
    onError: () => undefined, // already signed out locally; nothing for the user to do
  });
}
