import { expect, owner, seed, test } from "./fixtures";

const stamp = Date.now().toString(36);

test("an entry written in the Command Center is found, read and voted on in the public Learning Center", async ({
  page,
  consoleErrors,
}) => {
  const title = `Parking near the shop ${stamp}`;
  await page.goto("/command-center/knowledge");
  await page.getByRole("link", { name: "New entry" }).click();
  await expect(page.getByRole("heading", { name: "New knowledge entry" })).toBeVisible();

  // The form by keyboard alone: type, Tab between fields, Space on the switch, Enter to submit.
  await page.getByLabel("Title").focus();
  await page.keyboard.type(title);
  await page.keyboard.press("Tab");
  await page.keyboard.type("Free parking is behind the building, the entrance is on Elm Street.");
  await page.getByRole("switch", { name: /Public/ }).focus();
  await page.keyboard.press("Space");
  await expect(page.getByRole("switch", { name: /Public/ })).toBeChecked();
  await page.getByRole("button", { name: "Create entry" }).focus();
  await page.keyboard.press("Enter");

  await expect(page).toHaveURL(/\/command-center\/knowledge\/[0-9a-f-]{36}$/);
  // The worker embeds it; the page polls until it has.
  await expect(page.getByTestId("embedding-status")).toHaveText("embedding completed", { timeout: 45_000 });

  await page.goto(`/learn/${owner.tenant}`);
  await page.getByLabel("Search the Learning Center").fill("parking behind the building");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/search\?q=parking/);
  const hit = page.getByRole("article").filter({ hasText: title });
  await expect(hit).toBeVisible();
  await expect(hit.locator("mark").first()).toBeVisible(); // the highlighted snippet
  await hit.getByRole("button", { name: /^Yes, helpful/ }).click();
  await expect(hit.getByRole("button", { name: "Yes, helpful (1)" })).toHaveAttribute("aria-pressed", "true");

  await hit.getByRole("link", { name: title }).click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(page.getByText("the entrance is on Elm Street")).toBeVisible();
  await expect(page.getByRole("button", { name: "Yes, helpful (1)" })).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test("a message sent through the API shows in the outbox, with its detail", async ({ page, request, consoleErrors }) => {
  const subject = `Your order ${stamp}`;
  await seed(request, "/api/v1/messages", {
    channel: "email",
    to: "customer@example.com",
    subject,
    body_text: "Thanks for your order.",
  });
  await page.goto("/command-center/outbox?channel=email");
  const row = page.getByRole("row").filter({ hasText: subject });
  await expect(row).toBeVisible();
  await row.getByRole("link", { name: "customer@example.com" }).click();
  await expect(page.getByRole("heading", { level: 1, name: subject })).toBeVisible();
  await expect(page.getByText("Thanks for your order.")).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test("the jobs page shows every queue and the failed jobs", async ({ page, consoleErrors }) => {
  await page.goto("/command-center/jobs");
  const queues = page.getByRole("table", { name: "Queues" });
  for (const queue of ["default", "emails", "embeddings"]) {
    await expect(queues.getByRole("cell", { name: queue, exact: true })).toBeVisible();
  }
  await expect(page.getByRole("heading", { name: "Failed jobs" })).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test("an uploaded file is imported by a job batch, with a progress bar", async ({ page, consoleErrors }) => {
  await page.goto("/command-center/import");
  const csv = `title,content,is_public\nOpening hours ${stamp},We open at nine every weekday.,yes\n,No title here,no\n`;
  await page.locator('input[type="file"]').setInputFiles({ name: "faq.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByText("1 record(s) left out")).toBeVisible();
  await expect(page.getByText("faq.csv:3")).toBeVisible();
  await expect(page.getByRole("progressbar", { name: "Import progress" })).toBeVisible();
  await expect(page.getByText("100% done")).toBeVisible({ timeout: 30_000 });
  await page.getByRole("link", { name: "See the entries" }).click();
  await expect(page.getByRole("link", { name: `Opening hours ${stamp}` })).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test("a new API token is shown once", async ({ page, consoleErrors }) => {
  await page.goto("/command-center/tokens");
  await page.getByLabel("Name").fill(`deploy ${stamp}`);
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByTestId("issued-token")).toHaveText(/^fib_/);
  await expect(page.getByRole("cell", { name: `deploy ${stamp}`, exact: true })).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("issued-token")).toHaveCount(0);
  expect(consoleErrors).toEqual([]);
});
