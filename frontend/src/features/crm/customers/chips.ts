import type { CustomFieldDefinition } from "./api/custom-fields-query";
import { parseCustom, withConsent, type CustomerFilterState } from "./filters";
import { CHANNEL_LABELS } from "./options";

export interface OwnerOption {
  value: string;
  label: string;
}

export interface Chip {
  id: string;
  label: string;
  without: (filters: CustomerFilterState) => CustomerFilterState;
}

function range(from: string, to: string): string {
  if (from && to) return `${from} – ${to}`;
  return from ? `from ${from}` : `until ${to}`;
}

const OPS: Record<string, string> = { ":": ":", ">=": " ≥", "<=": " ≤" };

/** The filters set behind "More filters", one removable chip each. */
export function filterChips(
  filters: CustomerFilterState,
  customFields: CustomFieldDefinition[],
  owners: OwnerOption[],
): Chip[] {
  const chips: Chip[] = filters.tag.map((tag) => ({
    id: `tag:${tag}`,
    label: `Tag: ${tag}`,
    without: (f) => ({ ...f, tag: f.tag.filter((t) => t !== tag) }),
  }));
  if (filters.industry)
    chips.push({ id: "industry", label: `Industry: ${filters.industry}`, without: (f) => ({ ...f, industry: "" }) });
  if (filters.owner_id) {
    const owner = owners.find((o) => o.value === filters.owner_id)?.label ?? "another user";
    chips.push({ id: "owner", label: `Owner: ${owner}`, without: (f) => ({ ...f, owner_id: "" }) });
  }
  if (filters.created_from || filters.created_to)
    chips.push({
      id: "created",
      label: `Created ${range(filters.created_from, filters.created_to)}`,
      without: (f) => ({ ...f, created_from: "", created_to: "" }),
    });
  if (filters.active_from || filters.active_to)
    chips.push({
      id: "active",
      label: `Last activity ${range(filters.active_from, filters.active_to)}`,
      without: (f) => ({ ...f, active_from: "", active_to: "" }),
    });
  for (const condition of filters.consent) {
    const [channel = "", status = ""] = condition.split(":");
    chips.push({
      id: `consent:${channel}`,
      label: `${CHANNEL_LABELS[channel as keyof typeof CHANNEL_LABELS]}: ${status}`,
      without: (f) => ({ ...f, consent: withConsent(f.consent, channel, "") }),
    });
  }
  if (filters.do_not_contact)
    chips.push({
      id: "dnc",
      label: filters.do_not_contact === "true" ? "Do not contact" : "Not do-not-contact",
      without: (f) => ({ ...f, do_not_contact: "" }),
    });
  for (const condition of filters.custom) {
    const parsed = parseCustom(condition);
    const label = customFields.find((field) => field.key === parsed?.key)?.label ?? parsed?.key ?? condition;
    chips.push({
      id: `custom:${condition}`,
      label: parsed ? `${label}${OPS[parsed.op]} ${parsed.value}` : condition,
      without: (f) => ({ ...f, custom: f.custom.filter((c) => c !== condition) }),
    });
  }
  return chips;
}

