import { useQuery } from "@tanstack/react-query";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderPage } from "../test/render";
import { QueryStates } from "./QueryStates";

function Rows({ fetchRows }: { fetchRows: () => Promise<string[]> }) {
  const rows = useQuery({ queryKey: ["rows", fetchRows], queryFn: fetchRows });
  return (
    <QueryStates query={rows} loading="Loading rows" isEmpty={(data) => data.length === 0} empty="No rows yet.">
      {(data) => (
        <ul>
          {data.map((row) => (
            <li key={row}>{row}</li>
          ))}
        </ul>
      )}
    </QueryStates>
  );
}

describe("QueryStates", () => {
  it("shows the loader, then the data", async () => {
    renderPage(<Rows fetchRows={() => new Promise((resolve) => setTimeout(() => resolve(["one"]), 50))} />);
    expect(screen.getByRole("status")).toContainElement(screen.getByLabelText("Loading rows"));
    expect(await screen.findByRole("listitem")).toHaveTextContent("one");
  });

  it("says so when the data is empty", async () => {
    renderPage(<Rows fetchRows={() => Promise.resolve([])} />);
    expect(await screen.findByText("No rows yet.")).toBeVisible();
    expect(screen.queryByRole("list")).toBeNull();
  });

  it("shows the error with a retry that fetches again", async () => {
    let calls = 0;
    const fetchRows = () => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error("boom")) : Promise.resolve(["again"]);
    };
    renderPage(<Rows fetchRows={fetchRows} />);
    await userEvent.setup({ delay: null }).click(await screen.findByRole("button", { name: /retry|try again/i }));
    expect(await screen.findByRole("listitem")).toHaveTextContent("again");
  });
});
