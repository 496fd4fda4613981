// The customer list's state as it lives in the URL (shareable, survives a reload), and its two translations:
// to the list's query parameters and to a segment's saved filters (the API's `CustomerFilters`).
// Dates are whole days in the URL (`2026-03-01`), both ends included; the API takes instants with an exclusive
// upper end, so `to` is sent as the start of the next day (in the browser's time zone).
import dayjs from "dayjs";
import type { Schemas } from "../../../api/client";
import { CONSENT_CHANNELS, CONSENT_STATUSES, SORTS, STAGES } from "./options";

export type Stage = Schemas["Stage"];
export type CustomerSort = Schemas["CustomerSort"];
export type SegmentFilters = Schemas["CustomerFilters"];

export interface CustomerFilterState {
  q: string;
  stage: Stage[];
  tag: string[];
  industry: string;
  owner_id: string;
  created_from: string;
  created_to: string;
  active_from: string;
  active_to: string;
  /** `channel:status`, at most one per channel. */
  consent: string[];
  do_not_contact: "" | "true" | "false";
  /** The API's own syntax: `key:value`, `key>=value`, `key<=value`. */
  custom: string[];
}

export const EMPTY_FILTERS: CustomerFilterState = {
  q: "",
  stage: [],
  tag: [],
  industry: "",
  owner_id: "",
  created_from: "",
  created_to: "",
  active_from: "",
  active_to: "",
  consent: [],
  do_not_contact: "",
  custom: [],
};

const LIST_KEYS = ["stage", "tag", "consent", "custom"] as const;
const TEXT_KEYS = ["q", "industry", "owner_id"] as const;
export const DATE_KEYS = ["created_from", "created_to", "active_from", "active_to"] as const;
type DateKey = (typeof DATE_KEYS)[number];

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONSENT = new RegExp(`^(${CONSENT_CHANNELS.join("|")}):(${CONSENT_STATUSES.join("|")})$`);
const CUSTOM = /^[a-z][a-z0-9_]{0,49}(:|>=|<=).+$/s;
const SORT_VALUES = new Set<string>(SORTS.map((s) => s.value));

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** What the URL says, with anything malformed (a hand-edited or stale link) left out. */
export function parseFilters(params: URLSearchParams): CustomerFilterState {
  const day = (key: DateKey) => {
    const value = params.get(key) ?? "";
    return DAY.test(value) && dayjs(value).format("YYYY-MM-DD") === value ? value : "";
  };
  const dnc = params.get("do_not_contact");
  const owner = params.get("owner_id") ?? "";
  const consent = unique(params.getAll("consent").filter((c) => CONSENT.test(c)));
  return {
    q: (params.get("q") ?? "").trim(),
    stage: unique(params.getAll("stage").filter((s): s is Stage => (STAGES as string[]).includes(s))),
    tag: unique(params.getAll("tag").map((t) => t.trim()).filter(Boolean)),
    industry: (params.get("industry") ?? "").trim(),
    owner_id: UUID.test(owner) ? owner : "",
    created_from: day("created_from"),
    created_to: day("created_to"),
    active_from: day("active_from"),
    active_to: day("active_to"),
    // one status per channel: the first one named wins
    consent: consent.filter((c, i) => consent.findIndex((d) => d.split(":")[0] === c.split(":")[0]) === i),
    do_not_contact: dnc === "true" || dnc === "false" ? dnc : "",
    custom: unique(params.getAll("custom").filter((c) => CUSTOM.test(c))),
  };
}

/** The filters written into `params` (replacing whatever filters were there; other parameters are kept). */
export function writeFilters(params: URLSearchParams, filters: CustomerFilterState): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of [...LIST_KEYS, ...TEXT_KEYS, ...DATE_KEYS, "do_not_contact"]) next.delete(key);
  for (const key of TEXT_KEYS) if (filters[key].trim()) next.set(key, filters[key].trim());
  for (const key of DATE_KEYS) if (filters[key]) next.set(key, filters[key]);
  if (filters.do_not_contact) next.set("do_not_contact", filters.do_not_contact);
  for (const key of LIST_KEYS) for (const value of filters[key]) next.append(key, value);
  return next;
}

export function parseSort(params: URLSearchParams): CustomerSort | null {
  const sort = params.get("sort");
  return sort && SORT_VALUES.has(sort) ? (sort as CustomerSort) : null;
}

/** With a search, the best matches come first unless another order was chosen. */
export function effectiveSort(sort: CustomerSort | null, filters: CustomerFilterState): CustomerSort {
  if (sort === "relevance" && !filters.q) return "-created_at";
  return sort ?? (filters.q ? "relevance" : "-created_at");
}

function startOfDay(day: string): string {
  return dayjs(day).startOf("day").toISOString();
}

function endOfDay(day: string): string {
  return dayjs(day).add(1, "day").startOf("day").toISOString();
}

function toDay(instant: string | null | undefined, { exclusiveEnd }: { exclusiveEnd: boolean }): string {
  if (!instant) return "";
  const value = dayjs(instant);
  if (!value.isValid()) return "";
  return (exclusiveEnd ? value.subtract(1, "millisecond") : value).format("YYYY-MM-DD");
}

/** The filters in the API's shape, with empty ones left out (for a segment, and the list's query). */
export function toApiFilters(filters: CustomerFilterState): SegmentFilters {
  const api: SegmentFilters = {};
  if (filters.q) api.q = filters.q;
  if (filters.stage.length) api.stage = filters.stage;
  if (filters.tag.length) api.tag = filters.tag;
  if (filters.industry) api.industry = filters.industry;
  if (filters.owner_id) api.owner_id = filters.owner_id;
  if (filters.created_from) api.created_from = startOfDay(filters.created_from);
  if (filters.created_to) api.created_to = endOfDay(filters.created_to);
  if (filters.active_from) api.active_from = startOfDay(filters.active_from);
  if (filters.active_to) api.active_to = endOfDay(filters.active_to);
  if (filters.consent.length) api.consent = filters.consent;
  if (filters.do_not_contact) api.do_not_contact = filters.do_not_contact === "true";
  if (filters.custom.length) api.custom = filters.custom;
  return api;
}

/** A saved segment's filters as list state (to apply them to the list). */
export function fromApiFilters(api: SegmentFilters): CustomerFilterState {
  return {
    q: api.q ?? "",
    stage: api.stage ?? [],
    tag: api.tag ?? [],
    industry: api.industry ?? "",
    owner_id: api.owner_id ?? "",
    created_from: toDay(api.created_from, { exclusiveEnd: false }),
    created_to: toDay(api.created_to, { exclusiveEnd: true }),
    active_from: toDay(api.active_from, { exclusiveEnd: false }),
    active_to: toDay(api.active_to, { exclusiveEnd: true }),
    consent: api.consent ?? [],
    do_not_contact: api.do_not_contact == null ? "" : api.do_not_contact ? "true" : "false",
    custom: api.custom ?? [],
  };
}

/** Whether two filter states select the same customers (order of list items aside). */
export function sameFilters(a: CustomerFilterState, b: CustomerFilterState): boolean {
  const canonical = (f: CustomerFilterState) =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(f).map(([key, value]) => [key, Array.isArray(value) ? [...value].sort() : value]),
      ),
    );
  return canonical(a) === canonical(b);
}

export function hasFilters(filters: CustomerFilterState): boolean {
  return !sameFilters(filters, EMPTY_FILTERS);
}

/** How many of the filters kept behind "More filters" are set (for its badge). */
export function countMoreFilters(filters: CustomerFilterState): number {
  return (
    (filters.tag.length ? 1 : 0) +
    (filters.industry ? 1 : 0) +
    (filters.owner_id ? 1 : 0) +
    (filters.created_from || filters.created_to ? 1 : 0) +
    (filters.active_from || filters.active_to ? 1 : 0) +
    filters.consent.length +
    (filters.do_not_contact ? 1 : 0) +
    filters.custom.length
  );
}

export type CustomOp = ":" | ">=" | "<=";

/** The value of the custom-field condition `key<op>…` in `custom`, or "" when there is none. */
export function customValue(custom: string[], key: string, op: CustomOp): string {
  const prefix = `${key}${op}`;
  return custom.find((c) => c.startsWith(prefix))?.slice(prefix.length) ?? "";
}

/** `custom` with the condition `key<op>value` set (or removed, for an empty value). */
export function withCustom(custom: string[], key: string, op: CustomOp, value: string): string[] {
  const prefix = `${key}${op}`;
  const rest = custom.filter((c) => !c.startsWith(prefix));
  return value.trim() ? [...rest, `${prefix}${value.trim()}`] : rest;
}

/** `custom=seats>=10` → { key: "seats", op: ">=", value: "10" }. */
export function parseCustom(condition: string): { key: string; op: CustomOp; value: string } | null {
  const match = /^([a-z][a-z0-9_]{0,49})(:|>=|<=)(.+)$/s.exec(condition);
  return match ? { key: match[1] ?? "", op: (match[2] ?? ":") as CustomOp, value: match[3] ?? "" } : null;
}

/** The consent status filtered for `channel`, or "". */
export function consentValue(consent: string[], channel: string): string {
  return consent.find((c) => c.startsWith(`${channel}:`))?.slice(channel.length + 1) ?? "";
}

export function withConsent(consent: string[], channel: string, status: string): string[] {
  const rest = consent.filter((c) => !c.startsWith(`${channel}:`));
  return status ? [...rest, `${channel}:${status}`] : rest;
}
