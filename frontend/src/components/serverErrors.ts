// A 422's `details` onto the form fields they name (`body.title` → `title`); what names no field of the form
// is returned for a form-level alert. Never a toast: the user fixes the form where they are.
import { ApiError, ValidationError } from "../api/errors";

interface FormLike {
  setFieldError: (path: string, error: string) => void;
}

const LOCATIONS = new Set(["body", "query", "path"]);

/** `body.tags.0` → `tags.0`; `title` stays `title`. */
export function fieldPath(field: string): string {
  const parts = field.split(".");
  return (LOCATIONS.has(parts[0] ?? "") ? parts.slice(1) : parts).join(".");
}

/**
 * Put each detail on its field when `fields` has it (or its list's root, for `tags.0`). Returns the messages
 * for the form itself: details without a known field, or the error's message when nothing was placed.
 */
export function applyServerErrors(form: FormLike, error: unknown, fields: readonly string[]): string[] {
  if (!(error instanceof ApiError)) return ["Something went wrong. Please try again."];
  if (!(error instanceof ValidationError) || error.fieldErrors.length === 0) return [error.message];
  const known = new Set(fields);
  const leftover: string[] = [];
  let placed = 0;
  for (const detail of error.fieldErrors) {
    const path = detail.field ? fieldPath(detail.field) : "";
    const root = path.split(".")[0] ?? "";
    const target = known.has(path) ? path : known.has(root) ? root : null;
    if (target) {
      form.setFieldError(target, detail.message);
      placed += 1;
    } else {
      leftover.push(path ? `${path}: ${detail.message}` : detail.message);
    }
  }
  return placed === 0 && leftover.length === 0 ? [error.message] : leftover;
}
