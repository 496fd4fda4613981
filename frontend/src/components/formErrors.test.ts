import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, ValidationError } from "../api/errors";
import { applyFormErrors } from "./formErrors";

function fakeForm() {
  const errors: Record<string, string> = {};
  return { errors, setFieldError: (path: string, message: string) => (errors[path] = message) };
}

describe("applyFormErrors", () => {
  it("puts a 409 naming a field of the form on that field", () => {
    const form = fakeForm();
    const error = new ConflictError({ status: 409, code: "conflict", message: "Another customer already has this slug.", details: { field: "slug" } });
    expect(applyFormErrors(form, error, ["name", "slug"])).toEqual([]);
    expect(form.errors).toEqual({ slug: "Another customer already has this slug." });
  });

  it("keeps a 409 naming no field of the form for the alert", () => {
    const form = fakeForm();
    const error = new ConflictError({ status: 409, code: "conflict", message: "Already ended.", details: null });
    expect(applyFormErrors(form, error, ["slug"])).toEqual(["Already ended."]);
    expect(form.errors).toEqual({});
  });

  it("puts 422 details on their fields, nested ones included", () => {
    const form = fakeForm();
    const error = new ValidationError({
      status: 422,
      code: "validation_error",
      message: "The given data was invalid.",
      details: [
        { field: "body.custom_fields.seats", message: "must be a number" },
        { field: "body.phone", message: "not a valid phone number" },
      ],
    });
    expect(applyFormErrors(form, error, ["phone", "custom_fields.seats"])).toEqual([]);
    expect(form.errors).toEqual({ "custom_fields.seats": "must be a number", phone: "not a valid phone number" });
  });

  it("gives other errors' messages to the form", () => {
    const error = new NotFoundError({ status: 404, code: "not_found", message: "Customer not found." });
    expect(applyFormErrors(fakeForm(), error, ["name"])).toEqual(["Customer not found."]);
  });
});
