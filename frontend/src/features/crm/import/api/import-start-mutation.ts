import { useMutation } from "@tanstack/react-query";
import { api, type Schemas } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import type { ImportKey } from "../mapping";

export type CustomerImport = Schemas["CustomerImport"];

export interface ImportRequest {
  file: File;
  mapping: string;
  key: ImportKey;
  dryRun: boolean;
}

/** Upload the file with its mapping; the API checks it whole now and imports (or dry-runs) it as a job batch. */
export function startImport({ file, mapping, key, dryRun }: ImportRequest): Promise<CustomerImport> {
  const form = new FormData();
  form.append("file", file);
  form.append("mapping", mapping);
  form.append("key", key);
  form.append("dry_run", dryRun ? "true" : "false");
  // The typed body says `file: string` (OpenAPI's binary); what is sent is the multipart form.
  return unwrap(
    api.POST("/api/v1/customers/imports", {
      body: form as unknown as Schemas["Body_start_import_api_v1_customers_imports_post"],
      bodySerializer: (body) => body as unknown as FormData,
    }),
  );
}

export function useImportStartMutation({ onError }: { onError: (error: unknown) => void }) {
  return useMutation({ mutationFn: startImport, onError });
}
