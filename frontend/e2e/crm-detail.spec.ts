import type { Locator, Page } from "@playwright/test";
import { expect, seed, test } from "./fixtures";

// The CRM's customer detail page and the pending-questions inbox against the real API (and worker). Customers
// are made through the API, then opened at /crm/customers/:id.

const stamp = Date.now().toString(36);

/** The customer detail page: its tabs and the few controls the tests use. */
class CustomerPage {
  constructor(readonly page: Page) {}

  async open(customerId: string, name: string): Promise<void> {
    await this.page.goto(`/crm/customers/${customerId}`);
    await expect(this.page.getByRole("heading", { level: 1, name })).toBeVisible();
  }

  async tab(name: string): Promise<void> {
    await this.page.getByRole("tab", { name }).click();
    await expect(this.page.getByRole("tab", { name })).toHaveAttribute("aria-selected", "true");
  }

  /** A Mantine Select: open it by its label, pick the option. */
  async choose(scope: Page | Locator, label: string, option: string): Promise<void> {
    await scope.getByLabel(label, { exact: true }).click();
    await this.page.getByRole("option", { name: option, exact: true }).click();
  }

  consent(channel: "email" | "sms" | "phone"): Locator {
    return this.page.getByTestId(`consent-${channel}`);
  }

  timelineEvents(): Locator {
    return this.page.getByTestId("timeline-event");
  }
}

async function newCustomer(request: Parameters<typeof seed>[0], name: string): Promise<string> {
  const created = await seed(request, "/api/v1/customers", {
    name,
    email: `owner-${stamp}-${Math.random().toString(36).slice(2, 7)}@example.com`,
    industry: "restaurant",
    tags: ["e2e"],
  });
  return String(created.data.id);
}

test("crm: a customer's business context, contacts, consent, notes and conversations", async ({
  page,
  request,
  consoleErrors,
}) => {
  const name = `Bella Pasta ${stamp}`;
  const id = await newCustomer(request, name);
  const customer = new CustomerPage(page);
  await customer.open(id, name);
  await expect(page.getByTestId("stage-badge")).toHaveText("lead");

  // Business context, kept across a reload; the AI context shows it.
  await customer.tab("Business context");
  await page.getByLabel("Description").fill("Family-run Italian restaurant with a wood-fired oven.");
  await page.getByLabel("Hours").fill("Tue–Sun 12–22");
  await page.getByRole("button", { name: "Save business context" }).click();
  await expect(page.getByText("Business context saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Description")).toHaveValue("Family-run Italian restaurant with a wood-fired oven.");
  await expect(page.getByLabel("Hours")).toHaveValue("Tue–Sun 12–22");
  await expect(page.getByTestId("ai-context")).toContainText("wood-fired oven");

  // A contact, made primary.
  await customer.tab("Contacts");
  await page.getByRole("button", { name: "Add contact" }).click();
  const dialog = page.getByRole("dialog", { name: "New contact" });
  await dialog.getByLabel("Name").fill("Maria Rossi");
  await dialog.getByLabel("Role").fill("Owner");
  await dialog.getByLabel("Email").fill(`maria-${stamp}@example.com`);
  await dialog.getByLabel("Primary contact").check();
  await dialog.getByRole("button", { name: "Add contact" }).click();
  const contact = page.getByRole("article", { name: "Maria Rossi" });
  await expect(contact).toContainText("primary");
  await expect(contact).toContainText(`maria-${stamp}@example.com`);

  // Email consent, changed; its history and the timeline show it.
  await customer.tab("Overview");
  await customer.consent("email").getByRole("button", { name: "Change Email consent" }).click();
  await customer.choose(customer.consent("email"), "Email consent", "unsubscribed");
  await customer.consent("email").getByLabel("Source").fill("phone call");
  await customer.consent("email").getByRole("button", { name: "Save consent" }).click();
  await expect(customer.consent("email").getByText("unsubscribed", { exact: true })).toBeVisible();
  await expect(customer.consent("email").getByRole("list", { name: "Email consent history" })).toContainText(
    "unknown → unsubscribed (phone call)",
  );

  // A note.
  await customer.tab("Timeline");
  await expect(customer.timelineEvents().filter({ hasText: "Email consent: unknown → unsubscribed" })).toBeVisible();
  await page.getByLabel("Note", { exact: true }).fill(`Asked for a spring menu campaign ${stamp}.`);
  await page.getByRole("button", { name: "Add note" }).click();
  await expect(customer.timelineEvents().first()).toContainText(`Asked for a spring menu campaign ${stamp}.`);

  // A conversation: start it, add a message, end it.
  await customer.tab("Conversations");
  await page.getByRole("button", { name: "Start conversation" }).click();
  const start = page.getByRole("dialog", { name: "Start a conversation" });
  await start.getByLabel("Subject").fill("Spring menu");
  await start.getByRole("button", { name: "Start conversation" }).click();
  const drawer = page.getByRole("dialog", { name: "Conversation" });
  await expect(drawer.getByText("open", { exact: true })).toBeVisible();
  await drawer.getByLabel("Message", { exact: true }).fill("Could you send the new menu by Friday?");
  await drawer.getByRole("button", { name: "Add message" }).click();
  await expect(drawer.getByTestId("message")).toContainText("Could you send the new menu by Friday?");
  await drawer.getByLabel("Outcome").fill("menu requested");
  await drawer.getByLabel("Summary").fill("They want the spring menu by Friday.");
  await drawer.getByRole("button", { name: "End conversation" }).click();
  await expect(drawer.getByText(/outcome: menu requested/)).toBeVisible();
  await expect(drawer.getByText("closed", { exact: true })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("button", { name: /Open the Phone conversation “Spring menu”/ })).toContainText("closed");

  await customer.tab("Timeline");
  await expect(customer.timelineEvents().filter({ hasText: "Conversation ended" })).toContainText("Outcome: menu requested");
  await expect(customer.timelineEvents().filter({ hasText: "Message from an agent" })).toBeVisible();
  await expect(customer.timelineEvents().filter({ hasText: "Conversation started (Phone)" })).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test("crm: conversations across customers are filtered by channel, follow-up due and status, and open on the customer's page", async ({
  page,
  request,
  consoleErrors,
}) => {
  const overdueName = `Corner Deli ${stamp}`;
  const otherName = `Hilltop Gym ${stamp}`;
  const overdue = await seed(request, "/api/v1/conversations", {
    customer_id: await newCustomer(request, overdueName),
    channel: "sms",
    subject: `Overdue callback ${stamp}`,
    follow_up_at: new Date(Date.now() - 86_400_000).toISOString(),
  });
  await seed(request, `/api/v1/conversations/${String(overdue.data.id)}/messages`, {
    role: "customer",
    content: `Please call me back ${stamp}`,
  });
  await seed(request, "/api/v1/conversations", {
    customer_id: await newCustomer(request, otherName),
    channel: "email",
    subject: `Newsletter question ${stamp}`,
  });
  const link = (subject: string) => page.getByRole("link", { name: `${subject} ${stamp}`, exact: true });
  // The page's Selects keep their listboxes mounted (labelled like the input), so the input is found by role.
  const choose = async (label: string, option: string) => {
    await page.getByRole("combobox", { name: label, exact: true }).click();
    await page.getByRole("option", { name: option, exact: true }).click();
  };

  await page.goto("/crm/conversations");
  await expect(page.getByRole("heading", { level: 1, name: "Conversations" })).toBeVisible();
  await expect(link("Overdue callback")).toBeVisible();
  await expect(page.getByRole("row").filter({ has: link("Newsletter question") })).toContainText(otherName);

  await choose("Channel", "SMS");
  await expect(page).toHaveURL(/channel=sms/);
  await expect(link("Newsletter question")).toHaveCount(0);
  // The box reflects the URL, which the click changes in a transition: click, then wait for both.
  await page.getByRole("checkbox", { name: "Follow-up due" }).click();
  await expect(page).toHaveURL(/due=true/);
  await expect(page.getByRole("checkbox", { name: "Follow-up due" })).toBeChecked();
  await expect(page.getByRole("row").filter({ has: link("Overdue callback") })).toContainText(overdueName);
  await choose("Status", "Closed");
  await expect(page.getByRole("heading", { name: "No conversations match" })).toBeVisible();

  // The state is in the URL: a reload keeps it; without the status filter the conversation opens on its customer's page.
  await page.reload();
  await expect(page.getByRole("heading", { name: "No conversations match" })).toBeVisible();
  await page.goto("/crm/conversations?channel=sms&due=true");
  await link("Overdue callback").click();
  await expect(page.getByRole("heading", { level: 1, name: overdueName })).toBeVisible();
  await expect(page.getByRole("tab", { name: "Conversations" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("dialog", { name: "Conversation" }).getByTestId("message")).toContainText(
    `Please call me back ${stamp}`,
  );
  expect(consoleErrors).toEqual([]);
});

test("crm: a pending question is answered, published to knowledge and found in the Command Center", async ({
  page,
  consoleErrors,
}) => {
  const question = `Do you cater weddings ${stamp}?`;
  await page.goto("/crm/questions");
  await expect(page.getByRole("heading", { level: 1, name: "Pending questions" })).toBeVisible();
  await page.getByRole("button", { name: "New question" }).click();
  const ask = page.getByRole("dialog", { name: "New question" });
  await ask.getByRole("textbox", { name: /^Question/ }).fill(question);
  await ask.getByRole("button", { name: "Add question" }).click();

  const card = page.getByRole("article", { name: question });
  await expect(card.getByTestId("times-asked")).toHaveText("Asked 1 time");
  await card.getByRole("button", { name: "Answer", exact: true }).click();
  await card.getByLabel("Answer", { exact: true }).fill("Yes, for up to 120 guests, with a set menu.");
  await card.getByRole("button", { name: "Save answer" }).click();
  await expect(card).toHaveCount(0); // it left the open questions

  await page.getByText("Answered", { exact: true }).click();
  await expect(page).toHaveURL(/status=answered/);
  await expect(card.getByText("answered", { exact: true })).toBeVisible();
  await card.getByRole("button", { name: "Publish…" }).click();
  const publish = page.getByRole("dialog", { name: "Publish the answer" });
  await expect(publish.getByLabel("Title")).toHaveValue(question);
  await publish.getByRole("button", { name: "Publish" }).click();
  const link = page.getByRole("link", { name: "Open the new knowledge entry" });
  await expect(link).toBeVisible();

  await page.goto("/command-center/knowledge");
  await expect(page.getByRole("link", { name: question })).toBeVisible();
  await page.getByRole("link", { name: question }).click();
  await expect(page.getByRole("heading", { level: 1, name: question })).toBeVisible();
  await expect(page.getByLabel("Content")).toHaveValue("Yes, for up to 120 guests, with a set menu.");
  expect(consoleErrors).toEqual([]);
});

test("crm: an admin exports a customer as JSON and deletes it", async ({ page, request, consoleErrors }) => {
  const name = `Closing Shop ${stamp}`;
  const id = await newCustomer(request, name);
  const customer = new CustomerPage(page);
  await customer.open(id, name);
  await customer.tab("Privacy");
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download JSON export" }).click();
  expect((await download).suggestedFilename()).toMatch(/^customer-closing-shop-.*\.json$/);

  await page.getByRole("button", { name: "Delete customer…" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete this customer?" });
  const confirm = dialog.getByRole("button", { name: "Delete customer" });
  await expect(confirm).toBeDisabled();
  await dialog.getByRole("textbox").fill(name);
  await confirm.click();
  await expect(page).toHaveURL(/\/crm\/customers$/);

  // Gone: its address now shows the not-found state (the API answers 404, which Chromium logs).
  await page.goto(`/crm/customers/${id}`);
  await expect(page.getByRole("heading", { level: 1, name: "Customer not found" })).toBeVisible();
  expect(consoleErrors.filter((e) => !e.includes("status of 404"))).toEqual([]);
  consoleErrors.length = 0;
});

test("crm: a customer's owner is picked by typing a colleague's name, searched on the server", async ({
  page,
  request,
  consoleErrors,
}) => {
  const colleague = `Odette Owner ${stamp}`;
  await seed(request, "/api/v1/users", {
    email: `odette-${stamp}@example.com`,
    name: colleague,
    password: "correct horse battery",
    role: "staff",
  });
  const name = `Harbor Kayaks ${stamp}`;
  const customer = new CustomerPage(page);
  await customer.open(await newCustomer(request, name), name);
  await page.getByRole("button", { name: "Edit profile" }).click();
  const form = page.getByRole("form", { name: "Edit profile" });
  const asked = page.waitForRequest((sent) => sent.url().includes("/users/directory") && sent.url().includes("q=Odette"));
  await form.getByLabel("Owner", { exact: true }).fill(`Odette Owner ${stamp}`);
  await asked;
  await page.getByRole("option", { name: colleague, exact: true }).click();
  await form.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByText("Profile saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByText(`Owner: ${colleague}`)).toBeVisible(); // the header names her, by id
  expect(consoleErrors).toEqual([]);
});
