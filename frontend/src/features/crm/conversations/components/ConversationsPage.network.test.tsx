import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Schemas } from "../../../../api/client";
import { mockApi } from "../../../../test/msw";
import { renderPage } from "../../../../test/render";
import { ConversationsPage } from "./ConversationsPage";

const CONVERSATION: Schemas["ConversationListItem"] = {
  id: "88888888-8888-4888-8888-888888888888",
  customer_id: "33333333-3333-4333-8333-333333333333",
  customer_name: "Joe's Diner",
  channel: "sms",
  status: "open",
  subject: "Catering quote",
  outcome: null,
  summary: null,
  follow_up_at: "2026-01-02T10:00:00Z",
  started_at: "2026-01-01T10:00:00Z",
  ended_at: null,
  duration_seconds: null,
  metadata: {},
  created_at: "2026-01-01T10:00:00Z",
  updated_at: "2026-01-01T10:00:00Z",
};

function serve(seen: URL[]) {
  mockApi("get", "/api/v1/conversations", ({ url }) => {
    seen.push(new URL(url));
    return { data: [CONVERSATION], message: null, meta: { pagination: { page: 1, per_page: 25, total: 1, total_pages: 1 } } };
  });
}

describe("the conversations page", () => {
  it("sends the URL's filters, keeps new ones in the URL, and links each row to its customer's conversation", async () => {
    const seen: URL[] = [];
    serve(seen);
    const { router } = renderPage(<ConversationsPage />, { path: "/crm/conversations?channel=sms", route: "/crm/conversations" });
    const row = (await screen.findByRole("link", { name: "Catering quote" })).closest("tr") as HTMLElement;
    expect(within(row).getByRole("link", { name: "Catering quote" })).toHaveAttribute(
      "href",
      `/crm/customers/${CONVERSATION.customer_id}?tab=conversations&conversation=${CONVERSATION.id}`,
    );
    expect(within(row).getByText("Joe's Diner")).toBeVisible();
    expect(seen[0]?.searchParams.get("channel")).toBe("sms");
    expect(seen[0]?.searchParams.has("follow_up_due")).toBe(false);

    await userEvent.setup({ delay: null }).click(screen.getByRole("checkbox", { name: "Follow-up due" }));
    await waitFor(() => expect(router.state.location.search).toContain("due=true"));
    await waitFor(() => expect(seen.at(-1)?.searchParams.get("follow_up_due")).toBe("true"));
    expect(seen.at(-1)?.searchParams.get("channel")).toBe("sms");
  });
});
