import { describe, expect, it } from "vitest";
import { ApiError, ServerError, ValidationError } from "../../../api/errors";
import { refusedStep } from "./errors";

const invalid = (field: string) =>
  new ValidationError({
    status: 422,
    code: "validation_error",
    message: "Cannot import: …",
    details: [{ field, message: "…", type: "value_error" }],
  });

describe("refusedStep", () => {
  it("sends a refusal of the file (422 on file, or 413) to the file step", () => {
    expect(refusedStep(invalid("file"))).toBe("file");
    expect(
      refusedStep(new ApiError({ status: 413, code: "payload_too_large", message: "too big", details: { field: "file" } })),
    ).toBe("file");
  });

  it("sends a refusal of the mapping (422 on map, or on the key) to the columns step", () => {
    expect(refusedStep(invalid("map"))).toBe("map");
    expect(refusedStep(invalid("body.key"))).toBe("map");
  });

  it("leaves other failures where they happened", () => {
    expect(refusedStep(new ServerError({ status: 500, code: "unhandled_error", message: "oops" }))).toBeNull();
    expect(refusedStep(new Error("offline"))).toBeNull();
  });
});
