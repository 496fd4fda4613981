import type { Page } from "@playwright/test";
import { expect, expectAccessible, owner, screenshot, seed, test, watchConsole } from "./fixtures";

// Every page, at the project's width (375 px and 1280 px): it renders its heading on seeded data, has no
// serious or critical axe violation, logs no console error, does not scroll sideways, and shows where the
// keyboard focus is. A full-page screenshot of each goes to e2e-artifacts/screenshots/.

const stamp = Date.now().toString(36);
const seeded = { entryId: "", topic: `topic-${stamp}`, customerId: "", customer: `Harbor Bakery ${stamp}` };

test.beforeAll(async ({ request }) => {
  await seed(request, "/api/v1/faq-categories", { name: `Visiting us ${stamp}`, slug: seeded.topic });
  const entry = await seed(request, "/api/v1/knowledge", {
    title: `Opening hours ${stamp}`,
    content: "We open at nine every weekday.\n\nOn Saturdays we open at ten.",
    category: seeded.topic,
    tags: ["hours"],
    is_public: true,
  });
  seeded.entryId = String(entry.data.id);
  await seed(request, "/api/v1/messages", { channel: "sms", to: "+15551234567", body_text: "Your table is ready." });
  const customer = await seed(request, "/api/v1/customers", {
    name: seeded.customer,
    email: `hello-${stamp}@harbor.example`,
    phone: "+1 415 555 0134",
    website: "https://harbor.example",
    industry: "bakery",
    stage: "customer",
    timezone: "America/Los_Angeles",
    tags: ["wholesale", "vip"],
    business_context: { description: "Sourdough and pastries, delivered to cafés.", hours: "Mon–Sat 6–14" },
  });
  seeded.customerId = String(customer.data.id);
  const base = `/api/v1/customers/${seeded.customerId}`;
  await seed(request, `${base}/contacts`, { name: "Ana Lima", role: "Owner", email: `ana-${stamp}@harbor.example`, is_primary: true });
  await seed(request, `${base}/notes`, { body: "Wants a weekly standing order." });
  await seed(request, `${base}/faqs`, { question: "Do you deliver on Sundays?", answer: "No, Monday to Saturday only." });
  await seed(request, "/api/v1/pending-questions", { question: `Gluten-free options ${stamp}?`, customer_id: seeded.customerId });
  await seed(request, "/api/v1/conversations", {
    customer_id: seeded.customerId,
    channel: "phone",
    subject: "Weekly standing order",
    follow_up_at: new Date(Date.now() - 86_400_000).toISOString(),
  });
});

async function settled(page: Page, heading: string | RegExp): Promise<void> {
  await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
  await expect(page.locator(".mantine-Loader-root")).toHaveCount(0);
}

async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "the page scrolls sideways").toBeLessThanOrEqual(1);
}

async function expectVisibleFocus(page: Page): Promise<void> {
  await page.keyboard.press("Tab");
  const focus = await page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const style = window.getComputedStyle(element);
    return { tag: element.tagName, outline: style.outlineStyle, width: style.outlineWidth, shadow: style.boxShadow };
  });
  expect(focus, "Tab reaches something").not.toBeNull();
  const visible = (focus?.outline !== "none" && focus?.width !== "0px") || focus?.shadow !== "none";
  expect(visible, `focus on ${focus?.tag} is visible`).toBeTruthy();
}

async function check(page: Page, project: string, name: string, heading: string | RegExp): Promise<void> {
  await settled(page, heading);
  await expectAccessible(page, name);
  await expectNoSidewaysScroll(page);
  await screenshot(page, project, name);
  await expectVisibleFocus(page);
}

const learningCenter: [string, () => string, string | RegExp][] = [
  ["lc-home", () => `/learn/${owner.tenant}`, "How can we help?"],
  ["lc-search", () => `/learn/${owner.tenant}/search?q=${encodeURIComponent(`opening hours ${stamp}`)}`, "Search results"],
  ["lc-entry", () => `/learn/${owner.tenant}/entries/${seeded.entryId}`, `Opening hours ${stamp}`],
  ["lc-topic", () => `/learn/${owner.tenant}/categories/${seeded.topic}`, `Topic: ${seeded.topic}`],
];

const commandCenter: [string, () => string, string | RegExp][] = [
  ["cc-knowledge", () => "/command-center/knowledge", "Knowledge entries"],
  ["cc-knowledge-new", () => "/command-center/knowledge/new", "New knowledge entry"],
  ["cc-knowledge-edit", () => `/command-center/knowledge/${seeded.entryId}`, `Opening hours ${stamp}`],
  ["cc-categories", () => "/command-center/categories", "FAQ categories"],
  ["cc-import", () => "/command-center/import", "Import knowledge"],
  ["cc-outbox", () => "/command-center/outbox", "Outbox"],
  ["cc-jobs", () => "/command-center/jobs", "Jobs"],
  ["cc-users", () => "/command-center/users", "Users"],
  ["cc-tokens", () => "/command-center/tokens", "API tokens"],
];

const crm: [string, () => string, string | RegExp][] = [
  ["crm-customers", () => "/crm/customers", "Customers"],
  ["crm-customers-search", () => `/crm/customers?q=${encodeURIComponent(`harbor ${stamp}`)}&stage=customer`, "Customers"],
  ["crm-customers-empty", () => "/crm/customers?q=zqxjkv%20wvyfq", "Customers"],
  ["crm-import", () => "/crm/import", "Import customers"],
  ["crm-fields", () => "/crm/fields", "Custom fields"],
  ["crm-customer", () => `/crm/customers/${seeded.customerId}`, seeded.customer],
  ["crm-customer-business", () => `/crm/customers/${seeded.customerId}?tab=business`, seeded.customer],
  ["crm-customer-timeline", () => `/crm/customers/${seeded.customerId}?tab=timeline`, seeded.customer],
  ["crm-customer-faqs", () => `/crm/customers/${seeded.customerId}?tab=faqs`, seeded.customer],
  ["crm-conversations", () => "/crm/conversations", "Conversations"],
  ["crm-conversations-due", () => "/crm/conversations?due=true&channel=phone", "Conversations"],
  ["crm-questions", () => "/crm/questions", "Pending questions"],
];

for (const [name, path, heading] of [...learningCenter, ...commandCenter, ...crm]) {
  test(`${name} works at this width`, async ({ page, consoleErrors }, info) => {
    await page.goto(path());
    await check(page, info.project.name, name, heading);
    expect(consoleErrors).toEqual([]);
  });
}

test("the signed-in user's name and role are shown, and the navigation opens", async ({ page }, info) => {
  await page.goto("/command-center/knowledge");
  await settled(page, "Knowledge entries");
  await expect(page.getByTestId("user-role")).toHaveText("owner");
  const burger = page.getByRole("button", { name: "Toggle navigation" });
  if (await burger.isVisible()) await burger.click(); // at 375 px the navigation is behind the burger
  await page.getByRole("link", { name: "Jobs" }).click();
  await settled(page, "Jobs");
  await screenshot(page, info.project.name, "cc-navigation");
});

test.describe("signed out", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("login works at this width", async ({ page, consoleErrors }, info) => {
    await page.goto("/login");
    await check(page, info.project.name, "login", "Sign in");
    expect(consoleErrors).toEqual([]);
  });

  test("the Command Center sends a visitor to log in", async ({ page }) => {
    await page.goto("/command-center/outbox");
    await expect(page).toHaveURL(/\/login\?next=%2Fcommand-center%2Foutbox$/);
  });

  test("a host that is no tenant's Learning Center asks for the workspace", async ({ page }, info) => {
    // The host lookup answers 404 (this host is no tenant's domain), which Chromium logs as a failed request.
    const errors = watchConsole(page);
    await page.goto("/");
    await check(page, info.project.name, "lc-picker", "Find a Learning Center");
    await page.getByLabel("Workspace").fill(owner.tenant);
    await page.getByRole("button", { name: "Open" }).click();
    await settled(page, "How can we help?");
    expect(errors.filter((e) => !e.includes("status of 404"))).toEqual([]);
  });
});
