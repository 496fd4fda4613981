import { useQuery } from "@tanstack/react-query";
import { api } from "../../../../api/client";
import { unwrap } from "../../../../api/errors";
import { useTenantId } from "../../../session/api/session";
import { customerKeys } from "../../customers/api/keys";
import type { CustomerImport } from "./import-start-mutation";

export const POLL_MS = 1000;

export function getImport(importId: string, signal?: AbortSignal): Promise<CustomerImport> {
  return unwrap(api.GET("/api/v1/customers/imports/{import_id}", { params: { path: { import_id: importId } }, signal }));
}

/**
 * An import's progress and outcome (counts, rejected rows), polled every second until it has finished. It is
 * readable by everyone who may import, unlike the job batch behind it (admins only).
 */
export function useImportQuery(started: CustomerImport) {
  const tenantId = useTenantId();
  return useQuery({
    queryKey: customerKeys.importRun(tenantId, started.id),
    queryFn: ({ signal }) => getImport(started.id, signal),
    initialData: started,
    initialDataUpdatedAt: 0,
    refetchInterval: (query) => (query.state.data?.finished ? false : POLL_MS),
  });
}
