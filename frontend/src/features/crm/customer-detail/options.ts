import type { Schemas } from "../../../api/client";

export const STAGES: Schemas["Stage"][] = ["lead", "prospect", "customer", "churned"];
export const STAGE_COLOR: Record<Schemas["Stage"], string> = {
  lead: "gray",
  prospect: "blue",
  customer: "teal",
  churned: "red",
};
export const CONSENT_CHANNELS: Schemas["ConsentChannel"][] = ["email", "sms", "phone"];
export const CONSENT_STATUSES: Schemas["ConsentStatus"][] = ["subscribed", "unsubscribed", "unknown"];
export const CONSENT_COLOR: Record<Schemas["ConsentStatus"], string> = {
  subscribed: "teal",
  unsubscribed: "red",
  unknown: "gray",
};
export const CONVERSATION_CHANNELS: Schemas["ConversationChannel"][] = ["chat", "email", "sms", "phone", "web"];
export const MESSAGE_ROLES: Schemas["MessageRole"][] = ["customer", "agent", "ai", "system"];

/** IANA time zones as the browser knows them (the API checks against its own list). */
export function timeZones(): string[] {
  const zones = Intl.supportedValuesOf("timeZone");
  return zones.includes("UTC") ? zones : ["UTC", ...zones];
}
