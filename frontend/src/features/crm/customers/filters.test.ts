import { describe, expect, it } from "vitest";
import {
  customValue,
  effectiveSort,
  EMPTY_FILTERS,
  fromApiFilters,
  parseCustom,
  parseFilters,
  parseSort,
  sameFilters,
  toApiFilters,
  withConsent,
  withCustom,
  writeFilters,
  type CustomerFilterState,
} from "./filters";

const FULL: CustomerFilterState = {
  q: "joes diner",
  stage: ["lead", "prospect"],
  tag: ["vip", "pizza place"],
  industry: "Restaurants",
  owner_id: "00000000-0000-4000-8000-000000000001",
  created_from: "2026-01-01",
  created_to: "2026-01-31",
  active_from: "2026-02-01",
  active_to: "2026-02-28",
  consent: ["email:subscribed", "sms:unknown"],
  do_not_contact: "false",
  custom: ["seats>=10", "plan:gold"],
};

describe("filters in the URL", () => {
  it("round-trips every filter, repeating list parameters", () => {
    const params = writeFilters(new URLSearchParams(), FULL);
    expect(params.getAll("stage")).toEqual(["lead", "prospect"]);
    expect(params.getAll("custom")).toEqual(["seats>=10", "plan:gold"]);
    expect(parseFilters(params)).toEqual(FULL);
  });

  it("writes nothing for empty filters and keeps other parameters", () => {
    const params = writeFilters(new URLSearchParams("sort=name&segment=abc&stage=lead"), EMPTY_FILTERS);
    expect(params.toString()).toBe("sort=name&segment=abc");
  });

  it("leaves out what a hand-edited link gets wrong", () => {
    const parsed = parseFilters(
      new URLSearchParams(
        "stage=lead&stage=nonsense&stage=lead&consent=email:maybe&consent=sms:subscribed&consent=sms:unknown" +
          "&created_from=2026-13-45&created_to=yesterday&owner_id=me&do_not_contact=perhaps&custom=Bad:x&custom=ok:1",
      ),
    );
    expect(parsed).toEqual({ ...EMPTY_FILTERS, stage: ["lead"], consent: ["sms:subscribed"], custom: ["ok:1"] });
  });

  it("reads the sort, refusing unknown ones", () => {
    expect(parseSort(new URLSearchParams("sort=-name"))).toBe("-name");
    expect(parseSort(new URLSearchParams("sort=price"))).toBeNull();
  });

  it("sorts a search by relevance unless told otherwise, and never by relevance without one", () => {
    expect(effectiveSort(null, { ...EMPTY_FILTERS, q: "joe" })).toBe("relevance");
    expect(effectiveSort(null, EMPTY_FILTERS)).toBe("-created_at");
    expect(effectiveSort("name", { ...EMPTY_FILTERS, q: "joe" })).toBe("name");
    expect(effectiveSort("relevance", EMPTY_FILTERS)).toBe("-created_at");
  });
});

describe("filters for the API and segments", () => {
  it("sends only what is set, days as instants with an exclusive end", () => {
    const api = toApiFilters({ ...EMPTY_FILTERS, created_from: "2026-01-01", created_to: "2026-01-31", do_not_contact: "true" });
    expect(Object.keys(api).sort()).toEqual(["created_from", "created_to", "do_not_contact"]);
    expect(new Date(api.created_from ?? "").getTime()).toBe(new Date(2026, 0, 1).getTime());
    expect(new Date(api.created_to ?? "").getTime()).toBe(new Date(2026, 1, 1).getTime());
    expect(api.do_not_contact).toBe(true);
    expect(toApiFilters(EMPTY_FILTERS)).toEqual({});
  });

  it("turns a saved segment's filters back into the same list state", () => {
    const saved = JSON.parse(JSON.stringify(toApiFilters(FULL))) as ReturnType<typeof toApiFilters>;
    expect(fromApiFilters(saved)).toEqual(FULL);
    expect(fromApiFilters({})).toEqual(EMPTY_FILTERS);
  });

  it("compares filter sets regardless of list order", () => {
    expect(sameFilters(FULL, { ...FULL, stage: ["prospect", "lead"] })).toBe(true);
    expect(sameFilters(FULL, { ...FULL, stage: ["lead"] })).toBe(false);
  });
});

describe("custom field and consent conditions", () => {
  it("reads and replaces one condition per key and operator", () => {
    let custom = withCustom([], "seats", ">=", "10");
    custom = withCustom(custom, "seats", "<=", "50");
    custom = withCustom(custom, "seats", ">=", "20");
    expect(custom).toEqual(["seats<=50", "seats>=20"]);
    expect(customValue(custom, "seats", ">=")).toBe("20");
    expect(customValue(custom, "seat", ">=")).toBe("");
    expect(withCustom(custom, "seats", "<=", " ")).toEqual(["seats>=20"]);
    expect(parseCustom("renews<=2027-01-01")).toEqual({ key: "renews", op: "<=", value: "2027-01-01" });
    expect(parseCustom("plan:a:b")).toEqual({ key: "plan", op: ":", value: "a:b" });
  });

  it("keeps one consent status per channel", () => {
    const consent = withConsent(withConsent([], "email", "subscribed"), "email", "unsubscribed");
    expect(consent).toEqual(["email:unsubscribed"]);
    expect(withConsent(consent, "email", "")).toEqual([]);
  });
});
