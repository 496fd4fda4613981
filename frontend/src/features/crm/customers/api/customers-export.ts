import { useMutation } from "@tanstack/react-query";
import { api } from "../../../../api/client";
import { errorFromResponse, networkError } from "../../../../api/errors";
import { saveBlob } from "../../../../components/download";

/** The CSV export (every customer, or a segment's), fetched with the session's token. */
export async function exportCustomers(segmentId: string | null): Promise<Blob> {
  let result;
  try {
    result = await api.GET("/api/v1/customers/export", {
      params: { query: segmentId ? { segment_id: segmentId } : {} },
      parseAs: "blob",
    });
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
    mutationFn: async ({ segmentId, filename }: { segmentId: string | null; filename: string }) =>
      saveBlob(await exportCustomers(segmentId), filename),
  });
}
