import { describe, expect, it, vi } from "vitest";
import { ConflictError, ValidationError } from "../api/errors";
import { applyFormErrors } from "./conflictErrors";

const conflict = (details: unknown) =>
  new ConflictError({ status: 409, code: "conflict", message: "Another customer already has this slug.", details });

describe("applyFormErrors", () => {
  it("puts a 409 naming a form field on that field", () => {
    const form = { setFieldError: vi.fn() };
    expect(applyFormErrors(form, conflict({ field: "slug" }), ["name", "slug"])).toEqual([]);
    expect(form.setFieldError).toHaveBeenCalledWith("slug", "Another customer already has this slug.");
  });

  it("sends a 409 naming no field of the form to the form's alert", () => {
    const form = { setFieldError: vi.fn() };
    expect(applyFormErrors(form, conflict({ field: "key" }), ["name"])).toEqual([
      "Another customer already has this slug.",
    ]);
    expect(applyFormErrors(form, conflict(null), ["name"])).toEqual(["Another customer already has this slug."]);
    expect(form.setFieldError).not.toHaveBeenCalled();
  });

  it("leaves 422s to applyServerErrors", () => {
    const form = { setFieldError: vi.fn() };
    const error = new ValidationError({
      status: 422,
      code: "validation_failed",
      message: "Invalid",
      details: [{ field: "body.phone", message: "not a valid phone number" }],
    });
    expect(applyFormErrors(form, error, ["phone"])).toEqual([]);
    expect(form.setFieldError).toHaveBeenCalledWith("phone", "not a valid phone number");
  });
});
