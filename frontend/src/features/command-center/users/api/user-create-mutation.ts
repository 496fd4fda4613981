import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { userKeys } from "./keys";

export type UserCreate = Schemas["UserCreate"];

export function createUser(body: UserCreate) {
  return unwrap(api.POST("/api/v1/users", { body }));
}

export function useUserCreateMutation({ onSuccess, onError }: { onSuccess: () => void; onError: (e: unknown) => void }) {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return useMutation({
    mutationFn: createUser,
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: userKeys.tenant(tenantId) });
      onSuccess();
    },
    onError,
  });
}
