import { describe, expect, it } from "vitest";
import { ConflictError, ServerError, ValidationError } from "../api/errors";
import { applyServerErrors, fieldPath } from "./serverErrors";

function form() {
  const errors: Record<string, string> = {};
  return { errors, setFieldError: (path: string, message: string) => (errors[path] = message) };
}

const validation = (details: unknown) =>
  new ValidationError({ status: 422, code: "validation_error", message: "The given data was invalid.", details });

describe("fieldPath", () => {
  it("drops FastAPI's location and keeps the rest", () => {
    expect(fieldPath("body.title")).toBe("title");
    expect(fieldPath("body.tags.0")).toBe("tags.0");
    expect(fieldPath("query.page")).toBe("page");
    expect(fieldPath("title")).toBe("title");
  });
});

describe("applyServerErrors", () => {
  it("puts each detail on the field it names", () => {
    const target = form();
    const left = applyServerErrors(
      target,
      validation([
        { field: "body.title", message: "String should have at least 1 character", type: "string_too_short" },
        { field: "body.content", message: "Field required", type: "missing" },
      ]),
      ["title", "content"],
    );
    expect(target.errors).toEqual({ title: "String should have at least 1 character", content: "Field required" });
    expect(left).toEqual([]);
  });

  it("puts a list item's error on the list, and a service detail without location on its field", () => {
    const target = form();
    applyServerErrors(
      target,
      validation([
        { field: "body.tags.2", message: "String should have at most 100 characters" },
        { field: "file", message: "faq.txt: unsupported file type" },
      ]),
      ["tags", "file"],
    );
    expect(target.errors).toEqual({ tags: "String should have at most 100 characters", file: "faq.txt: unsupported file type" });
  });

  it("returns what names no field of the form, for a form-level alert", () => {
    const target = form();
    const left = applyServerErrors(
      target,
      validation([
        { field: "body.title", message: "Too long" },
        { field: "body.metadata.x", message: "Not allowed" },
        { message: "Something about the whole request" },
      ]),
      ["title"],
    );
    expect(target.errors).toEqual({ title: "Too long" });
    expect(left).toEqual(["metadata.x: Not allowed", "Something about the whole request"]);
  });

  it("uses the message when a 422 has no details, or the error is another one", () => {
    expect(applyServerErrors(form(), validation(null), ["title"])).toEqual(["The given data was invalid."]);
    const conflict = new ConflictError({ status: 409, code: "conflict", message: "An entry with this source already exists." });
    expect(applyServerErrors(form(), conflict, ["title"])).toEqual(["An entry with this source already exists."]);
    expect(applyServerErrors(form(), new ServerError({ status: 500, code: "server_error", message: "Server error." }), [])).toEqual([
      "Server error.",
    ]);
    expect(applyServerErrors(form(), new TypeError("boom"), [])).toEqual(["Something went wrong. Please try again."]);
  });
});
