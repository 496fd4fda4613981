import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Schemas } from "../../../../api/client";
import { errorResponse, mockApi, server } from "../../../../test/msw";
import { renderPage } from "../../../../test/render";
import { PendingQuestionsPage } from "./PendingQuestionsPage";

const QUESTION: Schemas["PendingQuestion"] = {
  id: "44444444-4444-4444-8444-444444444444",
  question: "Do you deliver on Sundays?",
  customer_id: null,
  customer_name: null,
  conversation_id: null,
  status: "answered",
  times_asked: 3,
  last_asked_at: "2026-03-01T10:00:00Z",
  asked_by: null,
  answer: "Yes, from 10 to 14.",
  answered_at: "2026-03-01T11:00:00Z",
  answered_by: null,
  resolved_at: null,
  resolved_by: null,
  knowledge_entry_id: null,
  faq_id: null,
  faq_customer_id: null,
  faq_customer_name: null,
  merged_into_id: null,
  created_at: "2026-03-01T09:00:00Z",
};
const ENTRY_ID = "55555555-5555-4555-8555-555555555555";

function mockList(seen: URL[] = []) {
  mockApi("get", "/api/v1/pending-questions", (request) => {
    seen.push(new URL(request.url));
    return { data: [QUESTION], message: null, meta: { pagination: { page: 1, per_page: 20, total: 1, total_pages: 1 } } };
  });
}

async function publish() {
  const user = userEvent.setup({ delay: null });
  await user.click(await screen.findByRole("button", { name: "Publish…" }));
  await user.click(await screen.findByRole("button", { name: "Publish" }));
}

describe("the pending-questions inbox", () => {
  it("lists by status, most asked first, saying how often each was asked", async () => {
    const seen: URL[] = [];
    mockList(seen);
    renderPage(<PendingQuestionsPage />, { path: "/crm/questions?status=answered", route: "/crm/questions" });
    expect(await screen.findByText("Do you deliver on Sundays?")).toBeVisible();
    expect(screen.getByTestId("times-asked")).toHaveTextContent("Asked 3 times");
    expect(seen[0]?.searchParams.get("status")).toBe("answered");
  });

  it("names each question's customer from the list itself: no request per customer", async () => {
    const customers = ["Alpha Bakery", "Beta Barbers", "Gamma Garage"].map((name, i) => ({
      id: `6666666${i}-6666-4666-8666-666666666666`,
      name,
    }));
    const questions: Schemas["PendingQuestion"][] = customers.map((customer, i) => ({
      ...QUESTION,
      id: `4444444${i}-4444-4444-8444-444444444444`,
      question: `Question ${i}?`,
      customer_id: customer.id,
      customer_name: customer.name,
    }));
    questions[0] = {
      ...(questions[0] as Schemas["PendingQuestion"]),
      status: "published",
      faq_id: "77777777-7777-4777-8777-777777777777",
      faq_customer_id: customers[2]?.id ?? null,
      faq_customer_name: "Gamma Garage",
    };
    mockApi("get", "/api/v1/pending-questions", () => ({
      data: questions,
      message: null,
      meta: { pagination: { page: 1, per_page: 20, total: 3, total_pages: 1 } },
    }));
    const requested: string[] = [];
    const listener = ({ request }: { request: Request }) => void requested.push(new URL(request.url).pathname);
    server.events.on("request:start", listener);
    try {
      renderPage(<PendingQuestionsPage />, { path: "/crm/questions?status=all", route: "/crm/questions" });
      for (const [i, customer] of customers.entries()) {
        const card = await screen.findByRole("article", { name: `Question ${i}?` });
        expect(within(card).getByRole("link", { name: customer.name })).toHaveAttribute("href", `/crm/customers/${customer.id}`);
      }
      expect(screen.getByTestId("published-faq")).toHaveTextContent("Published as a FAQ of Gamma Garage");
      expect(within(screen.getByTestId("published-faq")).getByRole("link")).toHaveAttribute(
        "href",
        `/crm/customers/${customers[2]?.id}?tab=faqs`,
      );
    } finally {
      server.events.removeListener("request:start", listener);
    }
    expect(requested).toEqual(["/api/v1/pending-questions"]);
  });

  it("publishes to knowledge and links to the new entry", async () => {
    mockList();
    let sent: unknown = null;
    mockApi("post", "/api/v1/pending-questions/{question_id}/publish", async (request) => {
      sent = await request.json();
      return { data: { ...QUESTION, status: "published" as const, knowledge_entry_id: ENTRY_ID }, message: null, meta: null };
    });
    renderPage(<PendingQuestionsPage />, { path: "/crm/questions?status=answered", route: "/crm/questions" });
    await publish();
    expect(await screen.findByRole("link", { name: "Open the new knowledge entry" })).toHaveAttribute(
      "href",
      `/command-center/knowledge/${ENTRY_ID}`,
    );
    expect(sent).toEqual({ target: "knowledge", title: QUESTION.question, category: null, is_public: false });
  });

  it("says clearly when the question is no longer in a state that can be published (409)", async () => {
    mockList();
    mockApi("post", "/api/v1/pending-questions/{question_id}/publish", () =>
      errorResponse(409, "conflict", "The question is published; it cannot be published."),
    );
    renderPage(<PendingQuestionsPage />, { path: "/crm/questions?status=answered", route: "/crm/questions" });
    await publish();
    expect(await screen.findByText("This question has moved on")).toBeVisible();
    expect(screen.getByText("The question is published; it cannot be published.")).toBeVisible();
    expect(screen.getByRole("button", { name: "Reload the list" })).toBeVisible();
  });
});
