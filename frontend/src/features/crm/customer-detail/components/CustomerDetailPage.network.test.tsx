import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Schemas } from "../../../../api/client";
import { errorResponse, mockApi } from "../../../../test/msw";
import { ME, renderPage } from "../../../../test/render";
import { CustomerDetailPage } from "./CustomerDetailPage";

const ID = "22222222-2222-4222-8222-222222222222";
const CUSTOMER: Schemas["Customer"] = {
  id: ID,
  name: "Joe's Diner",
  slug: "joe-s-diner",
  email: "joe@example.com",
  phone: null,
  website: null,
  address: null,
  industry: "restaurant",
  timezone: "America/New_York",
  stage: "lead",
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
const page = { page: 1, per_page: 100, total: 0, total_pages: 0 };
const VIEWER: Schemas["Me"] = { ...ME, user: { ...ME.user, role: "viewer" } };
const STAFF: Schemas["Me"] = { ...ME, user: { ...ME.user, role: "staff" } };
const COLLEAGUE: Schemas["DirectoryUser"] = {
  id: "55555555-5555-4555-8555-555555555555",
  name: "Carla Colleague",
  email: "carla@example.com",
};

function mockCustomerPage(customer = CUSTOMER) {
  mockApi("get", "/api/v1/customers/{customer_id}", () => ({ data: customer, message: null, meta: null }));
  mockApi("get", "/api/v1/customer-fields", () => ({ data: [], message: null, meta: null }));
  mockApi("get", "/api/v1/users/directory", () => ({ data: [ME.user, COLLEAGUE], message: null, meta: { pagination: page } }));
  mockApi("get", "/api/v1/customers/{customer_id}/consent", () => ({
    data: [
      { channel: "email" as const, status: "subscribed" as const, source: "web form", changed_at: "2026-02-01T00:00:00Z" },
      { channel: "sms" as const, status: "unknown" as const, source: null, changed_at: null },
      { channel: "phone" as const, status: "unknown" as const, source: null, changed_at: null },
    ],
    message: null,
    meta: null,
  }));
  mockApi("get", "/api/v1/customers/{customer_id}/timeline", () => ({
    data: [
      {
        id: "33333333-3333-4333-8333-333333333333",
        customer_id: ID,
        type: "crm.consent_changed",
        occurred_at: "2026-02-01T00:00:00Z",
        source: "crm",
        source_id: null,
        data: { channel: "email", from: "unknown", to: "subscribed", source: "web form", by: ME.user.id },
      },
    ],
    message: null,
    meta: { pagination: { ...page, total: 1, total_pages: 1 } },
  }));
}

const route = { path: `/crm/customers/${ID}`, route: "/crm/customers/:customerId" };

describe("the customer detail page", () => {
  it("shows a not-found state for an unknown customer", async () => {
    mockApi("get", "/api/v1/customers/{customer_id}", () => errorResponse(404, "not_found", "Customer not found."));
    mockApi("get", "/api/v1/users/directory", () => ({ data: [], message: null, meta: { pagination: page } }));
    renderPage(<CustomerDetailPage />, route);
    expect(await screen.findByRole("heading", { name: "Customer not found" })).toBeVisible();
    expect(screen.getByRole("link", { name: "Back to customers" })).toHaveAttribute("href", "/crm/customers");
  });

  it("shows the header and consent with its history from the timeline", async () => {
    mockCustomerPage();
    renderPage(<CustomerDetailPage />, route);
    expect(await screen.findByRole("heading", { level: 1, name: "Joe's Diner" })).toBeVisible();
    expect(screen.getByTestId("stage-badge")).toHaveTextContent("lead");
    const email = await screen.findByTestId("consent-email");
    expect(within(email).getByText("subscribed")).toBeVisible();
    expect(await within(email).findByRole("list", { name: "Email consent history" })).toHaveTextContent(
      "unknown → subscribed (web form)",
    );
  });

  it("puts a duplicate slug (409) on the slug field and sends the whole profile", async () => {
    mockCustomerPage();
    let sent: Record<string, unknown> | null = null;
    mockApi("patch", "/api/v1/customers/{customer_id}", async (request) => {
      sent = (await request.json()) as Record<string, unknown>;
      return errorResponse(409, "conflict", "Another customer already has this slug.", { field: "slug" });
    });
    renderPage(<CustomerDetailPage />, route);
    const user = userEvent.setup({ delay: null });
    const edit = await screen.findByRole("button", { name: "Edit profile" });
    await waitFor(() => expect(edit).toBeEnabled()); // once the custom field definitions are known
    await user.click(edit);
    const slug = await screen.findByRole("textbox", { name: /slug/i });
    await user.clear(slug);
    await user.type(slug, "taken");
    await user.click(screen.getByRole("button", { name: "Save profile" }));
    expect(await screen.findByText("Another customer already has this slug.")).toBeVisible();
    expect(slug).toHaveAttribute("aria-invalid", "true");
    expect(sent).toMatchObject({ name: "Joe's Diner", slug: "taken", email: "joe@example.com", phone: null, address: null });
  });

  it("offers a staff member the tenant's other users as owners, from the directory", async () => {
    mockCustomerPage({ ...CUSTOMER, owner_id: COLLEAGUE.id });
    renderPage(<CustomerDetailPage />, { ...route, session: STAFF });
    expect(await screen.findByText("Carla Colleague", { selector: "span" })).toBeVisible(); // the header's owner
    const user = userEvent.setup({ delay: null });
    const edit = await screen.findByRole("button", { name: "Edit profile" });
    await waitFor(() => expect(edit).toBeEnabled());
    await user.click(edit);
    expect(within(await screen.findByRole("form", { name: "Edit profile" })).getByLabelText("Owner")).toHaveValue("Carla Colleague");
  });

  it("hides write actions from a viewer", async () => {
    mockCustomerPage();
    renderPage(<CustomerDetailPage />, { ...route, session: VIEWER });
    expect(await screen.findByRole("heading", { level: 1, name: "Joe's Diner" })).toBeVisible();
    await screen.findByTestId("consent-email");
    expect(screen.queryByRole("button", { name: "Edit profile" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Change .* consent/ })).toBeNull();
    expect(screen.queryByRole("tab", { name: "Privacy" })).toBeNull();
  });
});
