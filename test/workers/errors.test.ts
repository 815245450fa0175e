/** The one error mapping: AppErrors pass through, anything else becomes INTERNAL with a request id only. */
import { describe, expect, it, vi } from "vitest";
import { AppError, httpStatusOf, toWireError } from "../../src/shared/errors";

describe("toWireError", () => {
  it("keeps an AppError's type, message and details", () => {
    const wire = toWireError(new AppError("NOT_FOUND", "no such agent", { name: "X" }), "req-1");
    expect(wire).toEqual({ type: "NOT_FOUND", message: "no such agent", details: { name: "X" } });
  });

  it("hides an unexpected error's message and stack behind INTERNAL and the request id", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const wire = toWireError(new Error("SQLITE_CONSTRAINT: secret_table.password"), "req-2");
    expect(wire.type).toBe("INTERNAL");
    expect(JSON.stringify(wire)).not.toContain("secret_table");
    expect(wire.details).toEqual({ request_id: "req-2" });
    expect(log).toHaveBeenCalledOnce();
    log.mockRestore();
  });

  it("maps types to HTTP statuses", () => {
    expect(httpStatusOf("AUTHENTICATION_REQUIRED")).toBe(401);
    expect(httpStatusOf("FORBIDDEN")).toBe(403);
    expect(httpStatusOf("INVALID_ARGUMENT")).toBe(400);
    expect(httpStatusOf("INTERNAL")).toBe(500);
  });
});
