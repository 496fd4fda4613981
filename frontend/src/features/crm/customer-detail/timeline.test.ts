import { describe, expect, it } from "vitest";
import type { CustomerEvent } from "./api/timeline-query";
import { consentHistory, describeEvent, formatDuration, humanizeType } from "./timeline";

const ME = "00000000-0000-4000-8000-000000000001";
let n = 0;
function event(type: string, data: Record<string, unknown>, occurred_at = "2026-03-01T10:00:00Z"): CustomerEvent {
  n += 1;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    customer_id: "00000000-0000-4000-8000-0000000000cc",
    type,
    occurred_at,
    source: "crm",
    source_id: null,
    data,
  };
}

describe("describeEvent", () => {
  it("reads a stage change as from → to, and the first one as the creation", () => {
    expect(describeEvent(event("crm.stage_changed", { from: "lead", to: "prospect", by: ME }), ME)).toMatchObject({
      title: "Stage: lead → prospect",
      by: "you",
    });
    expect(describeEvent(event("crm.stage_changed", { from: null, to: "lead", by: null }), ME)).toMatchObject({
      title: "Created as lead",
      by: null,
    });
  });

  it("names the channel, the change and the source of a consent change", () => {
    const described = describeEvent(
      event("crm.consent_changed", { channel: "sms", from: "unknown", to: "unsubscribed", source: "reply STOP", by: "someone-else" }),
      ME,
    );
    expect(described).toEqual({
      title: "SMS consent: unknown → unsubscribed",
      detail: "Source: reply STOP",
      color: "red",
      by: "a colleague",
    });
  });

  it("shows a note's body, and do-not-contact both ways", () => {
    expect(describeEvent(event("crm.note", { body: "Called, will call back.", by: ME }), ME)).toMatchObject({
      title: "Note",
      detail: "Called, will call back.",
    });
    expect(describeEvent(event("crm.do_not_contact_changed", { do_not_contact: true }), ME).title).toBe("Marked do not contact");
    expect(describeEvent(event("crm.do_not_contact_changed", { do_not_contact: false }), ME).title).toBe("Do not contact lifted");
  });

  it("reads conversation events: started on a channel, ended with outcome and duration, messages by role", () => {
    expect(describeEvent(event("crm.conversation_started", { channel: "phone", conversation_id: "x" }), ME).title).toBe(
      "Conversation started (Phone)",
    );
    expect(
      describeEvent(event("crm.conversation_ended", { outcome: "booked", duration_seconds: 3900, conversation_id: "x" }), ME),
    ).toMatchObject({ title: "Conversation ended", detail: "Outcome: booked, lasted 1 h 5 min" });
    expect(describeEvent(event("crm.conversation_ended", { outcome: null, duration_seconds: null }), ME).detail).toBeNull();
    expect(describeEvent(event("crm.conversation_message", { role: "ai" }), ME).title).toBe("Message from the AI assistant");
    expect(describeEvent(event("crm.conversation_message", { role: "customer" }), ME).title).toBe("Message from the customer");
  });

  it("gives events of other domains a readable title from their type", () => {
    expect(describeEvent(event("message.delivered", { message_id: "m1" }), ME)).toMatchObject({
      title: "Message delivered",
      detail: null,
      color: "gray",
    });
    expect(describeEvent(event("campaign.step_sent", { subject: "Spring offer" }), ME).detail).toBe("Spring offer");
  });
});

describe("helpers", () => {
  it("humanizes types and durations", () => {
    expect(humanizeType("campaign.step_sent")).toBe("Campaign step sent");
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(180)).toBe("3 min");
    expect(formatDuration(7200)).toBe("2 h");
  });
});

describe("consentHistory", () => {
  it("keeps one channel's consent changes, newest first, whatever else the timeline holds", () => {
    const events = [
      event("crm.consent_changed", { channel: "email", from: "unknown", to: "subscribed", source: "web form" }, "2026-03-01T10:00:00Z"),
      event("crm.note", { body: "hello" }, "2026-03-02T10:00:00Z"),
      event("crm.consent_changed", { channel: "sms", from: "unknown", to: "subscribed", source: "import" }, "2026-03-03T10:00:00Z"),
      event("crm.consent_changed", { channel: "email", from: "subscribed", to: "unsubscribed", source: "link" }, "2026-03-04T10:00:00Z"),
    ];
    const email = consentHistory(events, "email");
    expect(email.map(({ from, to, source, at }) => ({ from, to, source, at }))).toEqual([
      { from: "subscribed", to: "unsubscribed", source: "link", at: "2026-03-04T10:00:00Z" },
      { from: "unknown", to: "subscribed", source: "web form", at: "2026-03-01T10:00:00Z" },
    ]);
    expect(consentHistory(events, "phone")).toEqual([]);
  });
});
