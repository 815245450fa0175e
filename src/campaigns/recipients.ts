/**
 * Recipient import and listing. Bulk import takes strings ("Ada <ada@ex.com>"), objects or CSV
 * (header row email,name,meta.*), caps each call at MAX_RECIPIENT_BATCH, normalises and dedupes
 * within the batch and against the campaign, and writes everything in one D1 batch (all or nothing)
 * with multi-row upserts that stay under D1's 100-parameter limit.
 */
import { and, asc, eq, gt, inArray } from "drizzle-orm";
import { campaignRecipients, type CampaignRecipientRow, type Db, type RecipientState } from "../db";
import { AppError } from "../shared/errors";
import { randomToken } from "../shared/ids";
import { nowIso } from "../shared/time";
import { hasLineBreak, normaliseEmail, parseAddress } from "./address";
import { getCampaignRow } from "./campaigns";
import { IN_LIST_MAX, MAX_RECIPIENT_BATCH, RECIPIENT_INSERT_ROWS } from "./constants";
import { parseCsv } from "./csv";

export type RecipientInput = string | { email: string; name?: string | null; meta?: Record<string, unknown> };
export type OnConflict = "skip" | "update_name" | "update";

export interface ImportResult {
  created: number;
  updated: number;
  skipped: number;
  invalid: Array<{ index: number; input: string; reason: string }>;
  remaining: number;
  max_batch: number;
}

export interface Recipient {
  id: number;
  email: string;
  name: string | null;
  meta: Record<string, unknown>;
  state: RecipientState;
  error: string | null;
  attempts: number;
  message_id: string | null;
  sent_at: string | null;
}

interface Candidate {
  email: string;
  name: string | null;
  meta: Record<string, unknown>;
}

export function toRecipient(row: CampaignRecipientRow): Recipient {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    meta: JSON.parse(row.meta) as Record<string, unknown>,
    state: row.state,
    error: row.error,
    attempts: row.attempts,
    message_id: row.messageId,
    sent_at: row.sentAt,
  };
}

async function assertImportable(db: Db, campaignId: number): Promise<void> {
  const campaign = await getCampaignRow(db, campaignId);
  if (campaign.state !== "draft" && campaign.state !== "paused") {
    throw new AppError(
      "CONFLICT",
      `Campaign ${campaignId} is ${campaign.state}; recipients can be added only while draft or paused.`,
      { campaign_id: campaignId, state: campaign.state },
    );
  }
}

function candidateOf(input: RecipientInput): Candidate | { reason: string } {
  if (typeof input === "string") {
    const parsed = parseAddress(input);
    return "reason" in parsed ? parsed : { ...parsed, meta: {} };
  }
  const email = normaliseEmail(input.email);
  if (!email) return { reason: "not a valid email address" };
  if (input.name != null && hasLineBreak(input.name)) return { reason: "name contains a line break" };
  const name = input.name?.trim() || null;
  return { email, name, meta: input.meta ?? {} };
}

/** CSV → objects; `meta.plan` columns become meta.plan. Throws INVALID_ARGUMENT without an email column. */
export function recipientsFromCsv(csv: string): RecipientInput[] {
  const [header, ...rows] = parseCsv(csv);
  const columns = (header ?? []).map((h) => h.trim().toLowerCase());
  const emailAt = columns.indexOf("email");
  if (emailAt === -1) {
    throw new AppError("INVALID_ARGUMENT", "csv needs a header row with an email column, e.g. email,name,meta.plan.", {
      field: "csv",
    });
  }
  const nameAt = columns.indexOf("name");
  return rows.map((cells) => {
    const meta: Record<string, string> = {};
    columns.forEach((column, i) => {
      if (column.startsWith("meta.") && cells[i] !== undefined && cells[i] !== "") meta[column.slice(5)] = cells[i]!;
    });
    return { email: cells[emailAt] ?? "", name: nameAt === -1 ? null : (cells[nameAt] ?? null), meta };
  });
}

export async function importRecipients(
  db: Db,
  campaignId: number,
  inputs: readonly RecipientInput[],
  onConflict: OnConflict = "skip",
): Promise<ImportResult> {
  await assertImportable(db, campaignId);
  const accepted = inputs.slice(0, MAX_RECIPIENT_BATCH);
  const result: ImportResult = {
    created: 0,
    updated: 0,
    skipped: 0,
    invalid: [],
    remaining: inputs.length - accepted.length,
    max_batch: MAX_RECIPIENT_BATCH,
  };
  const unique = new Map<string, Candidate>();
  accepted.forEach((input, index) => {
    const candidate = candidateOf(input);
    if ("reason" in candidate) {
      const shown = typeof input === "string" ? input : input.email;
      result.invalid.push({ index, input: String(shown).slice(0, 320), reason: candidate.reason });
    } else if (unique.has(candidate.email)) result.skipped += 1;
    else unique.set(candidate.email, candidate);
  });
  const candidates = [...unique.values()];
  const existing = new Set<string>();
  for (let i = 0; i < candidates.length; i += IN_LIST_MAX) {
    const emails = candidates.slice(i, i + IN_LIST_MAX).map((c) => c.email);
    const rows = await db
      .select({ email: campaignRecipients.email })
      .from(campaignRecipients)
      .where(and(eq(campaignRecipients.campaignId, campaignId), inArray(campaignRecipients.email, emails)));
    for (const row of rows) existing.add(row.email);
  }
  const fresh = candidates.filter((c) => !existing.has(c.email));
  const known = onConflict === "skip" ? [] : candidates.filter((c) => existing.has(c.email));
  result.created = fresh.length;
  result.updated = known.length;
  result.skipped += candidates.length - fresh.length - known.length;

  const now = nowIso();
  const rows = [...fresh, ...known];
  // Only the four per-row values are bound (D1 caps a statement at 100 parameters); the campaign id
  // and timestamp are server-generated and inlined. Raw D1 statements: one batch, all or nothing.
  const conflict =
    onConflict === "skip"
      ? "DO NOTHING"
      : onConflict === "update_name"
        ? "DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at"
        : "DO UPDATE SET name = excluded.name, meta = excluded.meta, updated_at = excluded.updated_at";
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += RECIPIENT_INSERT_ROWS) {
    const slice = rows.slice(i, i + RECIPIENT_INSERT_ROWS);
    const tuple = `(?, ?, ?, ?, ${Number(campaignId)}, 'queued', '${now}', '${now}')`;
    statements.push(
      db.$client
        .prepare(
          `INSERT INTO campaign_recipients (email, name, meta, token, campaign_id, state, created_at, updated_at)
           VALUES ${slice.map(() => tuple).join(", ")} ON CONFLICT (campaign_id, email) ${conflict}`,
        )
        .bind(...slice.flatMap((c) => [c.email, c.name, JSON.stringify(c.meta), randomToken(16)])),
    );
  }
  if (statements.length > 0) await db.$client.batch(statements);
  return result;
}

export async function addRecipient(
  db: Db,
  campaignId: number,
  input: { email: string; name?: string | null; meta?: Record<string, unknown> },
): Promise<{ recipient: Recipient; created: boolean }> {
  if (input.name != null && hasLineBreak(input.name)) {
    throw new AppError("INVALID_ARGUMENT", "name must be a single line: remove carriage returns and line feeds.", {
      field: "name",
    });
  }
  const email = normaliseEmail(input.email);
  if (!email) {
    throw new AppError("INVALID_ARGUMENT", `email ${JSON.stringify(input.email.slice(0, 320))} is not a valid address.`, {
      field: "email",
    });
  }
  const result = await importRecipients(db, campaignId, [{ ...input, email }], "skip");
  const row = await db.query.campaignRecipients.findFirst({
    where: and(eq(campaignRecipients.campaignId, campaignId), eq(campaignRecipients.email, email)),
  });
  return { recipient: toRecipient(row!), created: result.created === 1 };
}

export async function listRecipients(
  db: Db,
  campaignId: number,
  options: { status?: RecipientState; cursor?: string; limit?: number },
): Promise<{ recipients: Recipient[]; next_cursor: string | null }> {
  await getCampaignRow(db, campaignId);
  const limit = options.limit ?? 100;
  const after = options.cursor === undefined ? 0 : Number(options.cursor);
  if (!Number.isInteger(after) || after < 0) {
    throw new AppError("INVALID_ARGUMENT", "cursor must be the next_cursor value of a previous call.", { field: "cursor" });
  }
  const rows = await db
    .select()
    .from(campaignRecipients)
    .where(
      and(
        eq(campaignRecipients.campaignId, campaignId),
        gt(campaignRecipients.id, after),
        options.status ? eq(campaignRecipients.state, options.status) : undefined,
      ),
    )
    .orderBy(asc(campaignRecipients.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    recipients: page.map(toRecipient),
    next_cursor: rows.length > limit ? String(page.at(-1)!.id) : null,
  };
}
