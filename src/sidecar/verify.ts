/** POST /verify: LOGIN, LIST, and whether the named folders exist. Failures are answers, not errors. */
import { AppError } from "../shared/errors";
import type { z } from "zod";
import { withImap, type ImapOptions } from "./imap";
import type { VerifyResponse, verifyRequest } from "./protocol";

export async function verifyAccount(req: z.output<typeof verifyRequest>, options: ImapOptions): Promise<VerifyResponse> {
  try {
    const folders = await withImap(req.account, options, async (client) => (await client.list()).map((f) => f.path));
    const have = new Set(folders.map((f) => f.toLowerCase()));
    // INBOX is case-insensitive (RFC 3501 §5.1); other names are compared as the server spells them.
    const missing = req.folders.filter((f) => !(f.toUpperCase() === "INBOX" ? have.has("inbox") : folders.includes(f)));
    return missing.length > 0
      ? { ok: false, error: `Missing folder(s): ${missing.join(", ")}.`, folders, missing }
      : { ok: true, folders };
  } catch (err) {
    if (err instanceof AppError && err.type !== "INTERNAL") return { ok: false, error: err.message };
    throw err;
  }
}
