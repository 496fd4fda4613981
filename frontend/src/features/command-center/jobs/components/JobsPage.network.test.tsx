import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Schemas } from "../../../../api/client";
import { mockApi } from "../../../../test/msw";
import { renderPage } from "../../../../test/render";
import { JobsPage } from "./JobsPage";

const JOB: Schemas["FailedJob"] = {
  id: "22222222-2222-4222-8222-222222222222",
  tenant_id: null,
  queue: "emails",
  actor: "messages.send",
  args: ["m-1"],
  kwargs: {},
  error: "ProviderError: SES throttled",
  exception: "Traceback…\nProviderError: SES throttled",
  failed_at: "2026-01-01T10:00:00Z",
};

function serveJobs(failed: Schemas["FailedJob"][]) {
  mockApi("get", "/api/v1/queue/stats", () => ({
    data: [{ queue: "emails", waiting: 0, delayed: 0, in_flight: 0, failed: failed.length }],
    message: null,
    meta: null,
  }));
  mockApi("get", "/api/v1/queue/failed", () => ({
    data: failed,
    message: null,
    meta: { pagination: { page: 1, per_page: 20, total: failed.length, total_pages: 1 } },
  }));
}

describe("the jobs page", () => {
  it("retries a failed job and shows the list without it", async () => {
    const failed = [JOB];
    serveJobs(failed);
    let retried = "";
    mockApi("post", "/api/v1/queue/failed/{job_id}/retry", ({ url }) => {
      retried = url;
      failed.pop();
      return { data: JOB, message: "Job queued again.", meta: null };
    });
    renderPage(<JobsPage />);
    expect(await screen.findByText("ProviderError: SES throttled")).toBeInTheDocument();
    await userEvent.setup({ delay: null }).click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findByText("No failed jobs.")).toBeInTheDocument();
    expect(retried).toContain(`/api/v1/queue/failed/${JOB.id}/retry`);
    expect(await screen.findByText("Job queued again.")).toBeInTheDocument();
  });

  it("forgets a failed job", async () => {
    const failed = [JOB];
    serveJobs(failed);
    let method = "";
    mockApi("delete", "/api/v1/queue/failed/{job_id}", ({ method: used }) => {
      method = used;
      failed.pop();
      return { data: JOB, message: "Failed job forgotten.", meta: null };
    });
    renderPage(<JobsPage />);
    await userEvent.setup({ delay: null }).click(await screen.findByRole("button", { name: "Forget" }));
    await waitFor(() => expect(screen.getByText("No failed jobs.")).toBeInTheDocument());
    expect(method).toBe("DELETE");
  });
});
