/**
 * POST /append: copies of sent mail into the mailbox's Sent folder over one connection per batch.
 * Idempotent on redelivery: each Message-ID is searched for first (reliability-security.md: Nylas
 * appended a copy per send retry). The folder is created when absent; copies are flagged \Seen.
 */
import type { z } from "zod";
import { withImap, type ImapOptions } from "./imap";
import type { AppendResponse, appendRequest } from "./protocol";

/** RFC 5322 wants CRLF line ends; IMAP servers reject bare LF in APPEND literals (RFC 3501 §4.3). */
function toCrlf(raw: string): string {
  return raw.replace(/\r?\n/g, "\r\n");
}

export async function appendToFolder(req: z.output<typeof appendRequest>, options: ImapOptions): Promise<AppendResponse> {
  return withImap(req.account, options, async (client) => {
    const exists = (await client.list()).some((f) => f.path === req.folder);
    let folderCreated = false;
    if (!exists) {
      await client.mailboxCreate(req.folder);
      folderCreated = true;
    }
    const results: AppendResponse["results"] = [];
    const lock = await client.getMailboxLock(req.folder);
    try {
      for (const message of req.messages) {
        const found = await client.search({ header: { "message-id": `<${message.message_id}>` } }, { uid: true });
        if (Array.isArray(found) && found.length > 0) {
          results.push({ message_id: message.message_id, status: "already_present" });
          continue;
        }
        await client.append(req.folder, toCrlf(message.raw), ["\\Seen"]);
        results.push({ message_id: message.message_id, status: "appended" });
      }
    } finally {
      lock.release();
    }
    return { folder_created: folderCreated, results };
  });
}
