// Custom field values between the API (stored JSON), the form and the read-only view, per definition type.
import type { CustomFieldDefinition } from "../customers/api/custom-fields-query";

/** A stored value as text, for the read-only view. */
export function formatCustomValue(definition: CustomFieldDefinition, value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (definition.type === "boolean") return value ? "Yes" : "No";
  if (Array.isArray(value)) return value.length ? value.join(", ") : "—";
  return String(value);
}

/** The form's value of a field, from the stored one. */
export function toFormValue(definition: CustomFieldDefinition, value: unknown): unknown {
  if (definition.type === "boolean") return Boolean(value);
  if (definition.type === "multi_select") return Array.isArray(value) ? value : [];
  if (definition.type === "number") return typeof value === "number" ? value : "";
  if (definition.type === "select") return typeof value === "string" ? value : null;
  return typeof value === "string" ? value : "";
}

/** The value to send: an emptied field is `null`, which removes it. */
export function toApiValue(definition: CustomFieldDefinition, value: unknown): unknown {
  if (definition.type === "boolean") return Boolean(value);
  if (value === "" || value === null || value === undefined) return null;
  if (Array.isArray(value) && value.length === 0) return null;
  return value;
}
