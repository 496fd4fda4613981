import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Schemas } from "../../../../api/client";
import { errorResponse, mockApi } from "../../../../test/msw";
import { ME, renderPage } from "../../../../test/render";
import { CustomerListPage } from "./CustomerListPage";

const CUSTOMER: Schemas["Customer"] = {
  id: "33333333-3333-4333-8333-333333333333",
  name: "Joe's Diner",
  slug: "joe-s-diner",
  email: "joe@diner.example.com",
  phone: "+15551234567",
  website: null,
  address: null,
  industry: "Restaurants",
  timezone: null,
  stage: "prospect",
  stage_changed_at: "2026-01-01T00:00:00Z",
  owner_id: null,
  tags: ["vip"],
  business_context: {},
  metadata: {},
  custom_fields: {},
  do_not_contact: false,
  last_activity_at: null,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

function serveList(seen: URL[], items: Schemas["Customer"][] = [CUSTOMER]) {
  mockApi("get", "/api/v1/customers", ({ url }) => {
    seen.push(new URL(url));
    return {
      data: items,
      message: null,
      meta: { pagination: { page: 1, per_page: 25, total: items.length, total_pages: 1 } },
    };
  });
  mockApi("get", "/api/v1/segments", () => ({
    data: [],
    message: null,
    meta: { pagination: { page: 1, per_page: 100, total: 0, total_pages: 0 } },
  }));
  mockApi("get", "/api/v1/customer-fields", () => ({ data: [], message: null, meta: null }));
  mockApi("get", "/api/v1/customers/facets", () => ({
    data: {
      tags: [
        { value: "vip", count: 12 },
        { value: "food", count: 3 },
      ],
      industries: [{ value: "Restaurants", count: 7 }],
    },
    message: null,
    meta: null,
  }));
  // Every CRM role reads the directory for the owner filter.
  mockApi("get", "/api/v1/users/directory", () => ({
    data: [{ id: "55555555-5555-4555-8555-555555555555", name: "Carla Colleague", email: "carla@example.com" }],
    message: null,
    meta: { pagination: { page: 1, per_page: 100, total: 0, total_pages: 0 } },
  }));
}

describe("the customer list", () => {
  it("sends the URL's filters, and a typed search once typing pauses, keeping it in the URL", async () => {
    const seen: URL[] = [];
    serveList(seen);
    const { router } = renderPage(<CustomerListPage />, {
      path: "/crm/customers?stage=prospect&stage=lead&consent=email:subscribed&created_to=2026-01-31",
      route: "/crm/customers",
    });
    expect(await screen.findByRole("link", { name: "Joe's Diner" })).toHaveAttribute(
      "href",
      `/crm/customers/${CUSTOMER.id}`,
    );
    const first = seen[0];
    expect(first?.searchParams.getAll("stage")).toEqual(["prospect", "lead"]);
    expect(first?.searchParams.getAll("consent")).toEqual(["email:subscribed"]);
    expect(first?.searchParams.get("created_to")).toBe(new Date(2026, 1, 1).toISOString());
    expect(first?.searchParams.get("sort")).toBe("-created_at");
    expect(screen.getByText("Email: subscribed")).toBeInTheDocument(); // its chip

    await userEvent.setup({ delay: null }).type(screen.getByRole("searchbox", { name: "Search customers" }), "jeo");
    await waitFor(() => expect(router.state.location.search).toContain("q=jeo"));
    await waitFor(() => expect(seen.at(-1)?.searchParams.get("q")).toBe("jeo"), { timeout: 5000 });
    expect(seen.filter((url) => url.searchParams.has("q"))).toHaveLength(1); // not one request per letter
    expect(seen.at(-1)?.searchParams.get("sort")).toBe("relevance");
    expect(router.state.location.search).toContain("stage=prospect");
  });

  it("lets a viewer filter by another user as owner (the directory, not the admins' user list)", async () => {
    const seen: URL[] = [];
    serveList(seen);
    const viewer = { ...ME, user: { ...ME.user, role: "viewer" as const } };
    const { router } = renderPage(<CustomerListPage />, { path: "/crm/customers", route: "/crm/customers", session: viewer });
    const user = userEvent.setup({ delay: null });
    await screen.findByRole("link", { name: "Joe's Diner" });
    await user.click(screen.getByRole("button", { name: "More filters" }));
    const form = await screen.findByRole("form", { name: "More filters" });
    await user.click(within(form).getByLabelText("Owner"));
    await user.click(await screen.findByRole("option", { name: "Carla Colleague", hidden: true }));
    await user.click(within(form).getByRole("button", { name: "Apply filters" }));
    await waitFor(() => expect(router.state.location.search).toContain("owner_id=55555555-5555-4555-8555-555555555555"));
    await waitFor(() => expect(seen.at(-1)?.searchParams.get("owner_id")).toBe("55555555-5555-4555-8555-555555555555"));
  });

  it("searches the directory on the server as one types, and names an owner who is not among the first matches", async () => {
    serveList([]);
    const zelda = { id: "66666666-6666-4666-8666-666666666666", name: "Zelda Far", email: "zelda@example.com" };
    const asked: URL[] = [];
    // The tenant has more users than a picker's first page: Zelda is found only by name, or by her id.
    mockApi("get", "/api/v1/users/directory", ({ url }) => {
      const query = new URL(url).searchParams;
      asked.push(new URL(url));
      const found = query.getAll("id").includes(zelda.id) || query.get("q") === "zel" ? [zelda] : [];
      return { data: found, message: null, meta: { pagination: { page: 1, per_page: 20, total: found.length, total_pages: 1 } } };
    });
    renderPage(<CustomerListPage />, { path: `/crm/customers?owner_id=${zelda.id}`, route: "/crm/customers" });
    expect(await screen.findByText("Owner: Zelda Far")).toBeVisible(); // the filter's chip, named by id

    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: /More filters/ }));
    const form = await screen.findByRole("form", { name: "More filters" });
    const owner = within(form).getByLabelText("Owner");
    await user.clear(owner);
    await user.type(owner, "zel");
    await waitFor(() => expect(asked.some((url) => url.searchParams.get("q") === "zel")).toBe(true));
    expect(await screen.findByRole("option", { name: "Zelda Far", hidden: true })).toBeInTheDocument();
    expect(asked.every((url) => Number(url.searchParams.get("per_page")) <= 100)).toBe(true);
  });

  it("exports what the list shows: its filters and search, not everything", async () => {
    serveList([]);
    const exported: URL[] = [];
    mockApi("get", "/api/v1/customers/export", ({ url }) => {
      exported.push(new URL(url));
      return new Response("id,name\n", { headers: { "Content-Type": "text/csv" } });
    });
    Object.assign(URL, { createObjectURL: vi.fn(() => "blob:export"), revokeObjectURL: vi.fn() });
    renderPage(<CustomerListPage />, { path: "/crm/customers?tag=vip&stage=lead&q=joe", route: "/crm/customers" });
    await userEvent.setup({ delay: null }).click(await screen.findByRole("button", { name: "Export filtered" }));
    await waitFor(() => expect(exported).toHaveLength(1));
    const query = exported[0]?.searchParams;
    expect([query?.getAll("tag"), query?.getAll("stage"), query?.get("q")]).toEqual([["vip"], ["lead"], "joe"]);
    expect(query?.has("page") || query?.has("sort")).toBe(false);
  });

  it("suggests the tenant's tags and industries, with their counts, in More filters", async () => {
    const seen: URL[] = [];
    serveList(seen);
    const { router } = renderPage(<CustomerListPage />, { path: "/crm/customers", route: "/crm/customers" });
    const user = userEvent.setup({ delay: null });
    await screen.findByRole("link", { name: "Joe's Diner" });
    await user.click(screen.getByRole("button", { name: "More filters" }));
    const form = await screen.findByRole("form", { name: "More filters" });
    await user.click(within(form).getByLabelText("Tags"));
    const vip = await screen.findByRole("option", { name: /vip/, hidden: true });
    expect(vip).toHaveTextContent("vip12");
    await user.click(vip);
    await user.click(within(form).getByLabelText("Industry"));
    await user.click(await screen.findByRole("option", { name: /Restaurants/, hidden: true }));
    await user.click(within(form).getByRole("button", { name: "Apply filters" }));
    await waitFor(() => expect(router.state.location.search).toContain("tag=vip"));
    expect(router.state.location.search).toContain("industry=Restaurants");
  });

  it("says so when nothing matches, with a way back to everything", async () => {
    const seen: URL[] = [];
    serveList(seen, []);
    const { router } = renderPage(<CustomerListPage />, { path: "/crm/customers?q=zzz", route: "/crm/customers" });
    expect(await screen.findByRole("heading", { name: "No customers match" })).toBeInTheDocument();
    await userEvent.setup({ delay: null }).click(screen.getAllByRole("button", { name: "Clear all filters" })[0] as HTMLElement);
    await waitFor(() => expect(router.state.location.search).toBe(""));
  });

  it("saves the filters as a segment and shows its count", async () => {
    const seen: URL[] = [];
    serveList(seen);
    let body: unknown = null;
    const segment: Schemas["SegmentWithCount"] = {
      id: "44444444-4444-4444-8444-444444444444",
      name: "Prospects",
      description: null,
      filters: { stage: ["prospect"] },
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
      count: 7,
    };
    mockApi(
      "post",
      "/api/v1/segments",
      async (request) => {
        body = await request.json();
        mockApi("get", "/api/v1/segments", () => ({
          data: [segment],
          message: null,
          meta: { pagination: { page: 1, per_page: 100, total: 1, total_pages: 1 } },
        }));
        return { data: segment, message: "Segment saved.", meta: null };
      },
      { status: 201 },
    );
    mockApi("get", "/api/v1/segments/{segment_id}", () => ({ data: segment, message: null, meta: null }));
    const user = userEvent.setup({ delay: null });
    const { router } = renderPage(<CustomerListPage />, { path: "/crm/customers?stage=prospect", route: "/crm/customers" });
    await user.click(await screen.findByRole("button", { name: "Save as segment" }));
    const dialog = await screen.findByRole("dialog", { name: "Save as a segment" });
    await user.type(within(dialog).getByLabelText(/Name/), "Prospects");
    await user.click(within(dialog).getByRole("button", { name: "Save segment" }));
    await waitFor(() => expect(body).toEqual({ name: "Prospects", description: null, filters: { stage: ["prospect"] } }));
    await waitFor(() => expect(router.state.location.search).toContain(`segment=${segment.id}`));
    expect(await screen.findByTestId("segment-count", {}, { timeout: 5000 })).toHaveTextContent(
      "7 customers in this segment",
    );
  });

  it("puts a taken email (409) and a refused phone (422) on their fields of the new-customer form", async () => {
    serveList([]);
    let calls = 0;
    mockApi("post", "/api/v1/customers", () => {
      calls += 1;
      return calls === 1
        ? errorResponse(422, "validation_error", "Invalid request.", [
            { field: "body.phone", message: "not a valid phone number", type: "value_error" },
          ])
        : errorResponse(409, "conflict", "Another customer already has this email.", { field: "email" });
    });
    const user = userEvent.setup({ delay: null });
    renderPage(<CustomerListPage />, { path: "/crm/customers", route: "/crm/customers" });
    await user.click((await screen.findAllByRole("button", { name: "New customer" }))[0] as HTMLElement);
    const dialog = await screen.findByRole("dialog", { name: "New customer" });
    await user.type(within(dialog).getByLabelText(/^Name/), "Joe's Diner");
    await user.type(within(dialog).getByLabelText(/^Email/), "joe@diner.example.com");
    await user.type(within(dialog).getByLabelText(/^Phone/), "12");
    await user.click(within(dialog).getByRole("button", { name: "Create customer" }));
    expect(await within(dialog).findByText("not a valid phone number")).toBeInTheDocument();
    await user.click(within(dialog).getByRole("button", { name: "Create customer" }));
    expect(await within(dialog).findByText("Another customer already has this email.")).toBeInTheDocument();
    expect(within(dialog).queryByRole("alert")).toBeNull(); // both on their fields, no form-level alert
  });
});
