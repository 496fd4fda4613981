import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type APIRequestContext, type Page } from "@playwright/test";
import { mkdirSync, readFileSync } from "node:fs";
import { AUTH_STATE } from "../playwright.config";

export const owner = {
  tenant: process.env.E2E_TENANT ?? "demo",
  email: process.env.E2E_EMAIL ?? "owner@demo.fibonacco.dev",
  password: process.env.E2E_PASSWORD ?? "fibonacco-demo",
};

export const SCREENSHOTS = "e2e-artifacts/screenshots";

/** Console errors and uncaught exceptions on a page, collected for the whole test. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

/** axe-core with WCAG 2.1 A/AA rules: serious and critical violations fail the test. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const blocking = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(blocking, `accessibility violations on ${name}`).toEqual([]);
}

export async function screenshot(page: Page, project: string, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${project}-${name}.png`, fullPage: true });
}

export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: async ({ page }, use) => {
    const errors = watchConsole(page);
    await use(errors);
    expect(errors, "console errors").toEqual([]);
  },
});

export { expect };

/** The saved session's token (from the setup project's storage state), for seeding through the API. */
export function savedToken(): string {
  const state = JSON.parse(readFileSync(AUTH_STATE, "utf8")) as {
    origins: { localStorage: { name: string; value: string }[] }[];
  };
  const token = state.origins.flatMap((o) => o.localStorage).find((item) => item.name === "fibonacco.token");
  if (!token) throw new Error(`no token in ${AUTH_STATE}: did the setup project run?`);
  return token.value;
}

/** Seed through the API as the signed-in owner. */
export async function seed(request: APIRequestContext, path: string, body: unknown): Promise<{ data: Record<string, unknown> }> {
  const response = await request.post(path, { data: body, headers: { Authorization: `Bearer ${savedToken()}` } });
  expect(response.ok(), `${path}: ${response.status()} ${await response.text()}`).toBeTruthy();
  return (await response.json()) as { data: Record<string, unknown> };
}
