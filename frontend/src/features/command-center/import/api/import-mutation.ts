import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { knowledgeKeys } from "../../knowledge/api/keys";

export type ImportStarted = Schemas["ImportStarted"];

export function startImport(file: File): Promise<ImportStarted> {
  const form = new FormData();
  form.append("file", file);
  // The typed body says `file: string` (OpenAPI's binary); what is sent is the multipart form.
  return unwrap(
    api.POST("/api/v1/knowledge/import", {
      body: form as unknown as Schemas["Body_import_file_api_v1_knowledge_import_post"],
      bodySerializer: (body) => body as unknown as FormData,
    }),
  );
}

export function useImportMutation({ onError }: { onError: (error: unknown) => void }) {
  const tenantId = useTenantId();
  const client = useQueryClient();
  return useMutation({
    mutationFn: startImport,
    onSuccess: () => client.invalidateQueries({ queryKey: knowledgeKeys.lists(tenantId) }),
    onError,
  });
}
