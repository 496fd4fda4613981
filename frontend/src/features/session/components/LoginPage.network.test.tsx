import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { tokenStore } from "../../../api/client";
import { errorResponse, mockApi } from "../../../test/msw";
import { ME, renderPage } from "../../../test/render";
import { LoginPage } from "./LoginPage";

const RESULT = {
  token: "fib_new",
  token_type: "Bearer",
  details: ME.token,
  user: ME.user,
};

async function fillAndSubmit(password = "right password") {
  const user = userEvent.setup({ delay: null });
  await user.type(screen.getByRole("textbox", { name: /workspace/i }), "Example");
  await user.type(screen.getByRole("textbox", { name: /email/i }), "owner@example.com");
  await user.type(screen.getByLabelText(/password/i, { selector: "input" }), password);
  await user.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("LoginPage", () => {
  it("sends the workspace with the credentials, keeps the token and goes back to `next`", async () => {
    let sent: unknown = null;
    mockApi("post", "/api/v1/auth/login", async (request) => {
      sent = await request.json();
      return { data: RESULT, message: "Logged in.", meta: null };
    });
    const { router } = renderPage(<LoginPage />, { path: "/login?next=%2Fcommand-center%2Fjobs", session: null });
    await fillAndSubmit();
    await waitFor(() => expect(router.state.location.pathname).toBe("/command-center/jobs"));
    expect(sent).toEqual({ tenant: "example", email: "owner@example.com", password: "right password", token_name: "browser" });
    expect(tokenStore.get()).toBe("fib_new");
  });

  it("puts a 422's details on the fields they name", async () => {
    mockApi("post", "/api/v1/auth/login", () =>
      errorResponse(422, "validation_error", "The given data was invalid.", [
        { field: "body.email", message: "value is not a valid email address", type: "value_error" },
        { field: "body.tenant", message: "No such workspace", type: "value_error" },
      ]),
    );
    renderPage(<LoginPage />, { path: "/login", session: null });
    await fillAndSubmit();
    expect(await screen.findByText("value is not a valid email address")).toBeInTheDocument();
    expect(screen.getByText("No such workspace")).toBeInTheDocument();
    expect(screen.getByRole("textbox", { name: /email/i })).toHaveAttribute("aria-invalid", "true");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("shows wrong credentials above the form and stays on the page", async () => {
    mockApi("post", "/api/v1/auth/login", () =>
      errorResponse(401, "unauthenticated", "These credentials do not match our records."),
    );
    const { router } = renderPage(<LoginPage />, { path: "/login", session: null });
    await fillAndSubmit("wrong password");
    expect(await screen.findByRole("alert")).toHaveTextContent("These credentials do not match our records.");
    expect(router.state.location.pathname).toBe("/login");
    expect(tokenStore.get()).toBeNull();
  });

  it("never follows `next` to another site", async () => {
    mockApi("post", "/api/v1/auth/login", () => ({ data: RESULT, message: null, meta: null }));
    const { router } = renderPage(<LoginPage />, { path: "/login?next=%2F%2Fevil.example", session: null });
    await fillAndSubmit();
    await waitFor(() => expect(router.state.location.pathname).toBe("/command-center"));
  });
});
