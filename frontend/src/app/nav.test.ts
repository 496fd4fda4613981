import { describe, expect, it } from "vitest";
import { visibleAreas, type Area } from "./nav";

const labels = (role: Parameters<typeof visibleAreas>[0], areas?: Area[]) =>
  visibleAreas(role, areas).map((area) => [area.label, area.items.map((item) => item.label)]);

describe("visibleAreas", () => {
  it("shows a viewer only what a viewer may read", () => {
    expect(labels("viewer")).toEqual([
      ["Command Center", ["Knowledge", "FAQ categories", "API tokens"]],
      ["CRM", ["Customers", "Conversations", "Pending questions"]],
    ]);
  });

  it("shows staff the outbox and admins everything", () => {
    expect(labels("staff")[0]?.[1]).toContain("Outbox");
    expect(labels("staff")[0]?.[1]).not.toContain("Jobs");
    expect(labels("admin")[0]?.[1]).toEqual([
      "Knowledge",
      "FAQ categories",
      "Import",
      "Outbox",
      "Jobs",
      "Users",
      "API tokens",
    ]);
  });

  it("leaves out an area with no page for the role (how the CRM plugs in)", () => {
    const crm: Area = { id: "crm", label: "CRM", basePath: "/crm", items: [{ label: "Customers", to: "/crm/customers", minRole: "staff" }] };
    expect(labels("viewer", [crm])).toEqual([]);
    expect(labels("staff", [crm])).toEqual([["CRM", ["Customers"]]]);
  });
});
