// A 409 whose `details.field` names a form field (a slug or an email already taken) belongs on that field,
// like a 422's details; everything else goes the way `applyServerErrors` sends it.
import { ConflictError } from "../api/errors";
import { applyServerErrors, fieldPath } from "./serverErrors";

interface FormLike {
  setFieldError: (path: string, error: string) => void;
}

function conflictField(error: ConflictError): string | null {
  const details = error.details;
  if (typeof details !== "object" || details === null || !("field" in details)) return null;
  const field = (details as { field: unknown }).field;
  return typeof field === "string" ? fieldPath(field) : null;
}

/** `applyServerErrors`, plus a 409 naming a known field put on that field. Returns the form-level messages. */
export function applyFormErrors(form: FormLike, error: unknown, fields: readonly string[]): string[] {
  if (error instanceof ConflictError) {
    const field = conflictField(error);
    if (field && fields.includes(field)) {
      form.setFieldError(field, error.message);
      return [];
    }
  }
  return applyServerErrors(form, error, fields);
}
