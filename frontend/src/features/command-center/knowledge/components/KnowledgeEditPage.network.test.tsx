import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Schemas } from "../../../../api/client";
import { errorResponse, mockApi } from "../../../../test/msw";
import { ME, renderPage } from "../../../../test/render";
import { KnowledgeEditPage } from "./KnowledgeEditPage";

const ENTRY: Schemas["KnowledgeEntry"] = {
  id: "11111111-1111-4111-8111-111111111111",
  tenant_id: ME.tenant.id,
  title: "Parking",
  content: "Behind the building.",
  category: null,
  subcategory: null,
  industry_codes: [],
  tags: ["visit"],
  is_public: true,
  allowed_agents: [],
  source: null,
  source_url: null,
  validation_status: "unvalidated",
  validated_at: null,
  validated_by: null,
  usage_count: 0,
  helpful_count: 0,
  not_helpful_count: 0,
  metadata: {},
  created_by: null,
  embedding_status: "pending",
  embedding_error: null,
  embedding_model: null,
  embedded_at: null,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

const newEntry = { path: "/command-center/knowledge/new", extraRoutes: [{ path: "/command-center/knowledge/:entryId", element: <p>saved</p> }] };

describe("the knowledge entry form", () => {
  it("posts the entry and opens it", async () => {
    let sent: unknown = null;
    mockApi(
      "post",
      "/api/v1/knowledge",
      async (request) => {
        sent = await request.json();
        return { data: ENTRY, message: "Entry created; its embedding is queued.", meta: null };
      },
      { status: 201 },
    );
    const { router } = renderPage(<KnowledgeEditPage />, newEntry);
    const user = userEvent.setup({ delay: null });
    await user.type(screen.getByRole("textbox", { name: /title/i }), "Parking");
    await user.type(screen.getByRole("textbox", { name: /content/i }), "Behind the building.");
    await user.click(screen.getByRole("switch", { name: /public/i }));
    await user.click(screen.getByRole("button", { name: "Create entry" }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/command-center/knowledge/${ENTRY.id}`));
    expect(sent).toEqual({
      title: "Parking",
      content: "Behind the building.",
      category: null,
      subcategory: null,
      tags: [],
      is_public: true,
      validation_status: "unvalidated",
    });
  });

  it("shows a 422 on the fields and a 409 above the form", async () => {
    mockApi("post", "/api/v1/knowledge", () =>
      errorResponse(422, "validation_error", "The given data was invalid.", [
        { field: "body.title", message: "String should have at most 500 characters", type: "string_too_long" },
      ]),
    );
    renderPage(<KnowledgeEditPage />, newEntry);
    const user = userEvent.setup({ delay: null });
    await user.type(screen.getByRole("textbox", { name: /title/i }), "Too long");
    await user.type(screen.getByRole("textbox", { name: /content/i }), "Text.");
    await user.click(screen.getByRole("button", { name: "Create entry" }));
    expect(await screen.findByText("String should have at most 500 characters")).toBeInTheDocument();
    expect(screen.getByRole("textbox", { name: /title/i })).toHaveAttribute("aria-invalid", "true");

    mockApi("post", "/api/v1/knowledge", () =>
      errorResponse(409, "conflict", "An entry with this source URL already exists.", { field: "source_url" }),
    );
    await user.click(screen.getByRole("button", { name: "Create entry" }));
    expect(await screen.findByRole("alert", { name: "Could not save" })).toHaveTextContent(
      "An entry with this source URL already exists.",
    );
  });

  it("shows the embedding status and queues a new embedding", async () => {
    let queued = false;
    mockApi("get", "/api/v1/knowledge/{entry_id}", () => ({
      data: { ...ENTRY, embedding_status: queued ? ("pending" as const) : ("failed" as const), embedding_error: queued ? null : "openai: timeout" },
      message: null,
      meta: null,
    }));
    mockApi(
      "post",
      "/api/v1/knowledge/{entry_id}/generate-embedding",
      () => {
        queued = true;
        return { data: { entry_id: ENTRY.id, embedding_status: "pending" as const }, message: "Embedding queued.", meta: null };
      },
      { status: 202 },
    );
    renderPage(<KnowledgeEditPage />, { path: `/command-center/knowledge/${ENTRY.id}`, route: "/command-center/knowledge/:entryId" });
    expect(await screen.findByText("embedding failed")).toBeInTheDocument();
    expect(screen.getByText("openai: timeout")).toBeInTheDocument();
    await userEvent.setup({ delay: null }).click(screen.getByRole("button", { name: "Generate embedding" }));
    expect(await screen.findByText("embedding pending")).toBeInTheDocument();
  });

  it("says what is missing on a 403, with the request id", async () => {
    mockApi("get", "/api/v1/knowledge/{entry_id}", () =>
      errorResponse(403, "forbidden", "This token lacks the 'knowledge:read' ability."),
    );
    renderPage(<KnowledgeEditPage />, { path: `/command-center/knowledge/${ENTRY.id}`, route: "/command-center/knowledge/:entryId" });
    const alert = await screen.findByRole("alert", { name: "You don't have access to this" });
    expect(alert).toHaveTextContent("This token lacks the 'knowledge:read' ability.");
    expect(alert).toHaveTextContent("req-error-1");
    expect(screen.queryByRole("button", { name: "Try again" })).not.toBeInTheDocument();
  });

  it("offers a retry after a server error", async () => {
    let calls = 0;
    mockApi("get", "/api/v1/knowledge/{entry_id}", () => {
      calls += 1;
      return calls === 1 ? errorResponse(500, "server_error", "Server error.") : { data: ENTRY, message: null, meta: null };
    });
    renderPage(<KnowledgeEditPage />, { path: `/command-center/knowledge/${ENTRY.id}`, route: "/command-center/knowledge/:entryId" });
    await userEvent.setup({ delay: null }).click(await screen.findByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("heading", { name: "Parking" })).toBeInTheDocument();
  });
});
