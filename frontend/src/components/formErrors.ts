// A failed save onto its form: a 409 whose details name a field of the form (`{"field": "slug"}`, a duplicate)
// goes on that field; everything else as `applyServerErrors` does it (422 details on their fields).
import { ConflictError } from "../api/errors";
import { applyServerErrors } from "./serverErrors";

interface FormLike {
  setFieldError: (path: string, error: string) => void;
}

function conflictField(error: unknown): string | null {
  if (!(error instanceof ConflictError)) return null;
  const details = error.details;
  if (typeof details !== "object" || details === null || !("field" in details)) return null;
  return typeof details.field === "string" ? details.field : null;
}

/** Returns the messages for the form itself (see `applyServerErrors`). */
export function applyFormErrors(form: FormLike, error: unknown, fields: readonly string[]): string[] {
  const field = conflictField(error);
  if (field && fields.includes(field) && error instanceof ConflictError) {
    form.setFieldError(field, error.message);
    return [];
  }
  return applyServerErrors(form, error, fields);
}
