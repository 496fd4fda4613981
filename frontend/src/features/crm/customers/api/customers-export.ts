import { useMutation } from "@tanstack/react-query";
import { api } from "../../../../api/client";
import { errorFromResponse, networkError } from "../../../../api/errors";
import type { operations } from "../../../../api/schema";
import { saveBlob } from "../../../../components/download";

export type ExportParams = NonNullable<operations["export_customers_api_v1_customers_export_get"]["parameters"]["query"]>;

/** The CSV export of the customers `params` match (the list's filters and search), fetched with the session's
 * token. */
export async function exportCustomers(params: ExportParams): Promise<Blob> {
  let result;
  try {
    result = await api.GET("/api/v1/customers/export", { params: { query: params }, parseAs: "blob" });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw networkError(cause);
  }
  if (!result.response.ok || !(result.data instanceof Blob)) throw errorFromResponse(result.response, result.error);
  return result.data;
}

/** Download the export as a file; a failure is toasted by the QueryClient's policy. */
export function useCustomersExportMutation() {
  return useMutation({
    mutationFn: async ({ params, filename }: { params: ExportParams; filename: string }) =>
      saveBlob(await exportCustomers(params), filename),
  });
}
