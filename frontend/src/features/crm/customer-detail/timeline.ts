// How a timeline event reads to a person: a title, an optional detail line and a colour per kind. Events of
// other domains (message.delivered, campaign.opened, …) that this page does not know get a readable title from
// their type, so a new kind never shows up as raw JSON.
import type { CustomerEvent } from "./api/timeline-query";

export type Channel = "email" | "sms" | "phone";

export const CHANNEL_LABEL: Record<string, string> = {
  email: "Email",
  sms: "SMS",
  phone: "Phone",
  chat: "Chat",
  web: "Web",
};

const ROLE_TEXT: Record<string, string> = {
  customer: "Message from the customer",
  agent: "Message from an agent",
  ai: "Message from the AI assistant",
  system: "System message",
};

/** The type filter's choices: each label stands for one or more event types. */
export const EVENT_FILTERS: { value: string; label: string; types: string[] }[] = [
  { value: "notes", label: "Notes", types: ["crm.note"] },
  { value: "stage", label: "Stage changes", types: ["crm.stage_changed"] },
  { value: "consent", label: "Consent", types: ["crm.consent_changed", "crm.do_not_contact_changed"] },
  {
    value: "conversations",
    label: "Conversations",
    types: ["crm.conversation_started", "crm.conversation_ended", "crm.conversation_message"],
  },
];

export interface Described {
  title: string;
  detail: string | null;
  color: string;
  /** Who did it, when the event says and it is not the system. */
  by: string | null;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() ? value : null;
}

/** `message.delivered` → "Message delivered"; `campaign.step_sent` → "Campaign step sent". */
export function humanizeType(type: string): string {
  const words = type.replace(/[._]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** 42 → "42 s", 180 → "3 min", 3900 → "1 h 5 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

export function channelLabel(value: unknown): string {
  const key = text(value) ?? "";
  return CHANNEL_LABEL[key] ?? (key || "Unknown channel");
}

export function describeEvent(event: CustomerEvent, currentUserId: string): Described {
  const data = event.data;
  const byId = text(data.by);
  const by = byId ? (byId === currentUserId ? "you" : "a colleague") : null;
  switch (event.type) {
    case "crm.stage_changed": {
      const from = text(data.from);
      const to = text(data.to) ?? "unknown";
      return { title: from ? `Stage: ${from} → ${to}` : `Created as ${to}`, detail: null, color: "violet", by };
    }
    case "crm.consent_changed": {
      const from = text(data.from) ?? "unknown";
      const to = text(data.to) ?? "unknown";
      const source = text(data.source);
      return {
        title: `${channelLabel(data.channel)} consent: ${from} → ${to}`,
        detail: source ? `Source: ${source}` : null,
        color: to === "subscribed" ? "teal" : to === "unsubscribed" ? "red" : "gray",
        by,
      };
    }
    case "crm.do_not_contact_changed":
      return {
        title: data.do_not_contact ? "Marked do not contact" : "Do not contact lifted",
        detail: null,
        color: data.do_not_contact ? "red" : "teal",
        by,
      };
    case "crm.note":
      return { title: "Note", detail: text(data.body), color: "yellow", by };
    case "crm.conversation_started":
      return { title: `Conversation started (${channelLabel(data.channel)})`, detail: null, color: "blue", by };
    case "crm.conversation_ended": {
      const parts = [
        text(data.outcome) ? `Outcome: ${String(data.outcome)}` : null,
        typeof data.duration_seconds === "number" ? `lasted ${formatDuration(data.duration_seconds)}` : null,
      ].filter(Boolean);
      return { title: "Conversation ended", detail: parts.join(", ") || null, color: "blue", by };
    }
    case "crm.conversation_message":
      return { title: ROLE_TEXT[text(data.role) ?? ""] ?? "Message", detail: null, color: "cyan", by };
    default:
      return { title: humanizeType(event.type), detail: text(data.summary) ?? text(data.subject), color: "gray", by };
  }
}

export interface ConsentHistoryItem {
  id: string;
  from: string;
  to: string;
  source: string | null;
  at: string;
}

/** One channel's consent changes, newest first, from the timeline's `crm.consent_changed` events. */
export function consentHistory(events: readonly CustomerEvent[], channel: Channel): ConsentHistoryItem[] {
  return events
    .filter((e) => e.type === "crm.consent_changed" && e.data.channel === channel)
    .map((e) => ({
      id: e.id,
      from: text(e.data.from) ?? "unknown",
      to: text(e.data.to) ?? "unknown",
      source: text(e.data.source),
      at: e.occurred_at,
    }))
    .sort((a, b) => b.at.localeCompare(a.at));
}
