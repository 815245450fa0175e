/** Project keys: slug rules, absolute-path rule, lookup with suggestions. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db";
import { ensureProject, isAbsolutePath, resolveProject, slugify } from "../../src/mail";
import { AppError } from "../../src/shared/errors";

describe("slugify", () => {
  it.each([
    ["/data/projects/backend", "data-projects-backend"],
    ["/Users/Ada/My App!!", "users-ada-my-app"],
    ["C:\\Work\\Repo", "c-work-repo"],
    ["///", ""],
  ])("%s → %s", (input, slug) => expect(slugify(input)).toBe(slug));
});

describe("isAbsolutePath", () => {
  it.each([
    ["/srv/x", true],
    ["C:\\x", true],
    ["\\\\server\\share", true],
    ["srv/x", false],
    ["./x", false],
    ["~/x", false],
  ])("%s → %s", (input, absolute) => expect(isAbsolutePath(input)).toBe(absolute));
});

describe("resolveProject", () => {
  it("finds a project by slug and by its absolute path", async () => {
    const db = createDb(env.DB);
    const created = await ensureProject(db, "/work/resolve-me");
    expect((await resolveProject(db, "work-resolve-me")).id).toBe(created.id);
    expect((await resolveProject(db, "/work/resolve-me")).id).toBe(created.id);
  });

  it("fails an unknown key with NOT_FOUND and did-you-mean suggestions", async () => {
    const db = createDb(env.DB);
    await ensureProject(db, "/work/frontend-app");
    const error = await resolveProject(db, "frontend").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).type).toBe("NOT_FOUND");
    expect((error as AppError).details?.suggestions).toContain("work-frontend-app");
  });

  it("rejects a path that has no letters or digits", async () => {
    const error = await ensureProject(createDb(env.DB), "/--/").catch((e: unknown) => e);
    expect((error as AppError).type).toBe("INVALID_ARGUMENT");
  });
});
