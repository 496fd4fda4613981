import type { Schemas } from "../../../api/client";

export const STAGES: Schemas["Stage"][] = ["lead", "prospect", "customer", "churned"];

export const STAGE_LABELS: Record<Schemas["Stage"], string> = {
  lead: "Lead",
  prospect: "Prospect",
  customer: "Customer",
  churned: "Churned",
};

export const STAGE_COLORS: Record<Schemas["Stage"], string> = {
  lead: "gray",
  prospect: "blue",
  customer: "green",
  churned: "red",
};

export const SORTS: { value: Schemas["CustomerSort"]; label: string }[] = [
  { value: "relevance", label: "Best match" },
  { value: "-created_at", label: "Newest" },
  { value: "created_at", label: "Oldest" },
  { value: "name", label: "Name A–Z" },
  { value: "-name", label: "Name Z–A" },
  { value: "-last_activity_at", label: "Recently active" },
];

export const CONSENT_CHANNELS: Schemas["ConsentChannel"][] = ["email", "sms", "phone"];
export const CONSENT_STATUSES: Schemas["ConsentStatus"][] = ["subscribed", "unsubscribed", "unknown"];

export const CHANNEL_LABELS: Record<Schemas["ConsentChannel"], string> = { email: "Email", sms: "SMS", phone: "Phone" };

export const PAGE_SIZE = 25;
