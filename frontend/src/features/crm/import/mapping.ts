// Which customer field each column of an import file goes to, and the importer's `COLUMN=FIELD,…` form of it.
// The field names are the importer's (src/fibonacco/crm/importer.py: PLAIN_FIELDS, address.<part>,
// metadata.<key>, custom.<key>).
import type { Schemas } from "../../../api/client";

export type ImportKey = Schemas["ImportKey"];
type CustomField = Pick<Schemas["CustomFieldDefinition"], "key" | "label">;

/** column → field, or "" to skip the column. */
export type ColumnMapping = Record<string, string>;

export const FIELD_LABELS: Record<string, string> = {
  name: "Name",
  email: "Email",
  phone: "Phone",
  website: "Website",
  industry: "Industry",
  stage: "Stage",
  tags: "Tags",
  timezone: "Time zone",
  slug: "Slug",
  do_not_contact: "Do not contact",
  "address.line1": "Address line 1",
  "address.line2": "Address line 2",
  "address.city": "City",
  "address.region": "State / region",
  "address.postal_code": "Postal code",
  "address.country": "Country",
};

const SYNONYMS: Record<string, string[]> = {
  name: ["name", "company", "companyname", "business", "businessname", "customer", "customername", "account", "organization", "organisation"],
  email: ["email", "emailaddress", "mail", "primaryemail"],
  phone: ["phone", "phonenumber", "telephone", "tel", "mobile", "primaryphone"],
  website: ["website", "url", "web", "site", "homepage", "domain"],
  industry: ["industry", "sector", "vertical"],
  stage: ["stage", "lifecyclestage", "lifecycle"],
  tags: ["tags", "tag", "labels"],
  timezone: ["timezone", "tz"],
  slug: ["slug", "handle"],
  do_not_contact: ["donotcontact", "dnc"],
  "address.line1": ["addressline1", "address1", "address", "street", "line1"],
  "address.line2": ["addressline2", "address2", "line2"],
  "address.city": ["addresscity", "city", "town"],
  "address.region": ["addressregion", "region", "state", "province"],
  "address.postal_code": ["addresspostalcode", "postalcode", "zip", "zipcode", "postcode"],
  "address.country": ["addresscountry", "country"],
};

function normal(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** The metadata key a column is kept under when it is no customer field: `Lead source` → `metadata.lead_source`. */
export function metadataTarget(column: string): string {
  const key = column.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return `metadata.${key || "column"}`;
}

/** A first guess for each column, by its name (each field taken at most once, by the first column naming it). */
export function guessMapping(columns: string[], customFields: CustomField[]): ColumnMapping {
  const taken = new Set<string>();
  const mapping: ColumnMapping = {};
  for (const column of columns) {
    const name = normal(column);
    const custom = customFields.find(
      (field) => name === normal(`custom.${field.key}`) || name === normal(field.key) || name === normal(field.label),
    );
    const plain = Object.entries(SYNONYMS).find(([, names]) => names.includes(name))?.[0];
    const target = plain ?? (custom ? `custom.${custom.key}` : column.startsWith("metadata.") ? column : "");
    mapping[column] = target && !taken.has(target) ? target : "";
    if (mapping[column]) taken.add(target);
  }
  return mapping;
}

/** The importer's `COLUMN=FIELD,…`, skipped columns left out. */
export function toMappingString(mapping: ColumnMapping): string {
  return Object.entries(mapping)
    .filter(([, target]) => target)
    .map(([column, target]) => `${column.trim()}=${target}`)
    .join(",");
}

/** What keeps the mapping from being sent (empty when it can be). */
export function mappingProblems(mapping: ColumnMapping, key: ImportKey): string[] {
  const problems: string[] = [];
  const used = Object.entries(mapping).filter(([, target]) => target);
  if (used.length === 0) problems.push("Choose a field for at least one column.");
  for (const [column] of used) {
    if (/[,=]/.test(column))
      problems.push(`The column “${column}” has a comma or “=” in its name, which a mapping cannot name: rename it in the file.`);
  }
  const byTarget = new Map<string, string[]>();
  for (const [column, target] of used) byTarget.set(target, [...(byTarget.get(target) ?? []), column]);
  for (const [target, columns] of byTarget) {
    if (columns.length > 1)
      problems.push(`${columns.map((c) => `“${c}”`).join(" and ")} both go to ${FIELD_LABELS[target] ?? target}; choose one.`);
  }
  const targets = new Set(used.map(([, target]) => target));
  if (key === "email" && !targets.has("email"))
    problems.push("Rows are matched by email, so one column must be the email (or match by slug).");
  if (key === "slug" && !targets.has("slug") && !targets.has("name"))
    problems.push("Rows are matched by slug, so one column must be the slug or the name.");
  return problems;
}
