import { ApiError, ValidationError } from "../../../api/errors";

/**
 * Which step a refused upload belongs to: the file itself (not UTF-8, no header, too large: 422 naming `file`,
 * or 413) or the column mapping (422 naming `map`, e.g. a column the file does not have). Null for anything else.
 */
export function refusedStep(error: unknown): "file" | "map" | null {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 413) return "file";
  if (!(error instanceof ValidationError)) return null;
  const fields = error.fieldErrors.map((detail) => (detail.field ?? "").replace(/^body\./, ""));
  if (fields.includes("file")) return "file";
  if (fields.some((field) => field === "map" || field === "mapping" || field === "key")) return "map";
  return null;
}
