import { describe, expect, it } from "vitest";
import { guessMapping, mappingProblems, metadataTarget, toMappingString } from "./mapping";

const CUSTOM = [
  { key: "seats", label: "Seats" },
  { key: "plan", label: "Plan tier" },
];

describe("guessMapping", () => {
  it("matches columns to fields by name and synonym, custom fields by key or label", () => {
    expect(
      guessMapping(["Company", "E-mail", "Phone Number", "ZIP", "custom.seats", "Plan Tier", "Favourite colour"], CUSTOM),
    ).toEqual({
      Company: "name",
      "E-mail": "email",
      "Phone Number": "phone",
      ZIP: "address.postal_code",
      "custom.seats": "custom.seats",
      "Plan Tier": "custom.plan",
      "Favourite colour": "",
    });
  });

  it("gives a field to the first column naming it only", () => {
    expect(guessMapping(["email", "Email address"], [])).toEqual({ email: "email", "Email address": "" });
  });

  it("reads an export back (columns named as fields; id and dates skipped)", () => {
    const mapping = guessMapping(["id", "name", "slug", "timezone", "last_activity_at", "custom.plan"], CUSTOM);
    expect(mapping).toEqual({
      id: "",
      name: "name",
      slug: "slug",
      timezone: "timezone",
      last_activity_at: "",
      "custom.plan": "custom.plan",
    });
  });
});

describe("toMappingString", () => {
  it("writes COLUMN=FIELD pairs in column order, skipped columns left out", () => {
    expect(toMappingString({ Company: "name", Notes: "", " E-mail ": "email", Seats: "custom.seats" })).toBe(
      "Company=name,E-mail=email,Seats=custom.seats",
    );
    expect(toMappingString({ Notes: "" })).toBe("");
  });

  it("keeps an unknown column as metadata under a key made from its name", () => {
    expect(metadataTarget("Lead source (2024)")).toBe("metadata.lead_source_2024");
  });
});

describe("mappingProblems", () => {
  it("accepts a mapping with the match key", () => {
    expect(mappingProblems({ Company: "name", Mail: "email" }, "email")).toEqual([]);
    expect(mappingProblems({ Company: "name" }, "slug")).toEqual([]);
  });

  it("names what is wrong", () => {
    expect(mappingProblems({ A: "" }, "email")).toEqual([
      "Choose a field for at least one column.",
      "Rows are matched by email, so one column must be the email (or match by slug).",
    ]);
    expect(mappingProblems({ A: "email", B: "email", "x,y": "name" }, "email")).toEqual([
      "The column “x,y” has a comma or “=” in its name, which a mapping cannot name: rename it in the file.",
      "“A” and “B” both go to Email; choose one.",
    ]);
    expect(mappingProblems({ Mail: "email" }, "slug")).toEqual([
      "Rows are matched by slug, so one column must be the slug or the name.",
    ]);
  });
});
