import { expect, test } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { AUTH_STATE } from "../playwright.config";
import { owner, watchConsole } from "./fixtures";

// Logs in once through the form (workspace, email, password) and keeps the session for the other projects.
test("log in through the form and come back to the page asked for", async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto("/command-center/jobs");
  await expect(page).toHaveURL(/\/login\?next=%2Fcommand-center%2Fjobs/);

  await page.getByLabel("Workspace").fill(owner.tenant);
  await page.getByLabel("Email").fill(owner.email);
  await page.getByRole("textbox", { name: "Password" }).fill("wrong password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText(/credentials do not match/i);

  await page.getByRole("textbox", { name: "Password" }).fill(owner.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/command-center\/jobs$/);
  await expect(page.getByTestId("user-role")).toHaveText("owner");
  mkdirSync(dirname(AUTH_STATE), { recursive: true });
  await page.context().storageState({ path: AUTH_STATE });
  // A failed login answers 401: Chromium logs the failed request itself; nothing else may be logged.
  expect(errors.filter((e) => !e.includes("status of 401"))).toEqual([]);
});
