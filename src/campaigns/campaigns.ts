/** Campaign CRUD, clone and mailbox switching. Content changes only while `draft` or `paused`. */
import { and, desc, eq, inArray } from "drizzle-orm";
import Mustache from "mustache";
import { campaignCounters, campaigns, type CampaignRow, type CampaignState, type Db } from "../db";
import { AppError } from "../shared/errors";
import { nowIso } from "../shared/time";
import { assertSingleLine } from "./address";
import { getMailboxRow } from "./mailboxes";
import { isReservedHeader } from "./render";

export interface CampaignInput {
  name: string;
  subject: string;
  mailbox_id: number;
  template_markdown: string;
  preheader?: string | null;
  track_opens?: boolean;
  track_clicks?: boolean;
  anonymous_counts?: boolean;
  precedence_bulk?: boolean;
  headers?: Record<string, string>;
}

export type CampaignPatch = Partial<Omit<CampaignInput, "mailbox_id">> & { id: number };

export interface Campaign {
  id: number;
  name: string;
  subject: string;
  preheader: string | null;
  mailbox_id: number;
  template_markdown: string;
  headers: Record<string, string>;
  state: CampaignState;
  pause_reason: string | null;
  track_opens: boolean;
  track_clicks: boolean;
  anonymous_counts: boolean;
  precedence_bulk: boolean;
  started_at: string | null;
  finished_at: string | null;
  created_at: string;
  updated_at: string;
}

export function toCampaign(row: CampaignRow): Campaign {
  return {
    id: row.id,
    name: row.name,
    subject: row.subject,
    preheader: row.preheader,
    mailbox_id: row.mailboxId,
    template_markdown: row.templateMarkdown,
    headers: JSON.parse(row.headers) as Record<string, string>,
    state: row.state,
    pause_reason: row.pauseReason,
    track_opens: row.trackOpens,
    track_clicks: row.trackClicks,
    anonymous_counts: row.anonymousCounts,
    precedence_bulk: row.precedenceBulk,
    started_at: row.startedAt,
    finished_at: row.finishedAt,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** Mustache syntax errors surface at input, not as a failed send later. */
function assertTemplate(template: string | undefined, field: string): void {
  if (template === undefined) return;
  try {
    Mustache.parse(template);
  } catch (err) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `${field} is not a valid mustache template (${err instanceof Error ? err.message.split("\n")[0] : "syntax error"}); ` +
        "close every {{#section}} with {{/section}} and balance the braces.",
      { field },
    );
  }
}

function checkContent(input: Partial<CampaignInput>): void {
  assertTemplate(input.subject, "subject");
  assertTemplate(input.template_markdown, "template_markdown");
  assertSingleLine(input.name, "name");
  assertSingleLine(input.subject, "subject");
  assertSingleLine(input.preheader, "preheader");
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    assertSingleLine(name, `headers.${name}`);
    assertSingleLine(value, `headers.${name}`);
    if (!/^[!-9;-~]+$/.test(name) || isReservedHeader(name)) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `headers.${name} cannot be set: header names are printable ASCII without ':' and From/To/Subject/List-*/` +
          "Message-ID/Precedence and other headers Pigeonhole writes itself are reserved.",
        { field: `headers.${name}` },
      );
    }
  }
}

export async function getCampaignRow(db: Db, id: number): Promise<CampaignRow> {
  const row = await db.query.campaigns.findFirst({ where: eq(campaigns.id, id) });
  if (!row) {
    throw new AppError("NOT_FOUND", `Campaign ${id} not found; call campaigns {action:"list"} for valid ids.`, {
      campaign_id: id,
    });
  }
  return row;
}

function assertEditable(row: CampaignRow, what: string): void {
  if (row.state !== "draft" && row.state !== "paused") {
    throw new AppError(
      "CONFLICT",
      `Campaign ${row.id} is ${row.state}; ${what} only while draft or paused (pause it first, or clone it).`,
      { campaign_id: row.id, state: row.state },
    );
  }
}

export async function createCampaign(db: Db, input: CampaignInput): Promise<Campaign> {
  checkContent(input);
  await getMailboxRow(db, input.mailbox_id);
  const now = nowIso();
  const [row] = await db
    .insert(campaigns)
    .values({
      name: input.name,
      subject: input.subject,
      preheader: input.preheader ?? null,
      mailboxId: input.mailbox_id,
      templateMarkdown: input.template_markdown,
      headers: JSON.stringify(input.headers ?? {}),
      trackOpens: input.track_opens ?? true,
      trackClicks: input.track_clicks ?? true,
      anonymousCounts: input.anonymous_counts ?? false,
      precedenceBulk: input.precedence_bulk ?? true,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  await db.insert(campaignCounters).values({ campaignId: row!.id }).onConflictDoNothing();
  return toCampaign(row!);
}

export async function getCampaign(db: Db, id: number): Promise<Campaign> {
  return toCampaign(await getCampaignRow(db, id));
}

export async function listCampaigns(db: Db, limit = 100): Promise<{ campaigns: Campaign[] }> {
  const rows = await db.select().from(campaigns).orderBy(desc(campaigns.id)).limit(limit);
  return { campaigns: rows.map(toCampaign) };
}

export async function updateCampaign(db: Db, patch: CampaignPatch): Promise<Campaign> {
  const row = await getCampaignRow(db, patch.id);
  assertEditable(row, "its content can change");
  checkContent(patch);
  const [updated] = await db
    .update(campaigns)
    .set({
      name: patch.name,
      subject: patch.subject,
      preheader: patch.preheader,
      templateMarkdown: patch.template_markdown,
      headers: patch.headers === undefined ? undefined : JSON.stringify(patch.headers),
      trackOpens: patch.track_opens,
      trackClicks: patch.track_clicks,
      anonymousCounts: patch.anonymous_counts,
      precedenceBulk: patch.precedence_bulk,
      updatedAt: nowIso(),
    })
    // Conditional, so a send that starts meanwhile is never edited underneath.
    .where(and(eq(campaigns.id, patch.id), inArray(campaigns.state, ["draft", "paused"])))
    .returning();
  if (!updated) assertEditable(await getCampaignRow(db, patch.id), "its content can change");
  return toCampaign(updated!);
}

export async function deleteCampaign(db: Db, id: number): Promise<{ deleted: true; id: number }> {
  const row = await getCampaignRow(db, id);
  if (row.state === "sending") {
    throw new AppError("CONFLICT", `Campaign ${id} is sending; cancel it first, then delete.`, { campaign_id: id });
  }
  await db.delete(campaigns).where(eq(campaigns.id, id));
  return { deleted: true, id };
}

/** Copies template and settings into a new draft; recipients are not copied (their send state is per campaign). */
export async function cloneCampaign(db: Db, id: number, name?: string): Promise<Campaign> {
  const source = toCampaign(await getCampaignRow(db, id));
  return createCampaign(db, {
    name: name ?? `${source.name} (copy)`,
    subject: source.subject,
    mailbox_id: source.mailbox_id,
    template_markdown: source.template_markdown,
    preheader: source.preheader,
    track_opens: source.track_opens,
    track_clicks: source.track_clicks,
    anonymous_counts: source.anonymous_counts,
    precedence_bulk: source.precedence_bulk,
    headers: source.headers,
  });
}

export async function switchCampaignMailbox(db: Db, campaignId: number, mailboxId: number): Promise<Campaign> {
  const row = await getCampaignRow(db, campaignId);
  if (row.state === "sending") {
    throw new AppError("CONFLICT", `Campaign ${campaignId} is sending; pause it before switching its mailbox.`, {
      campaign_id: campaignId,
    });
  }
  await getMailboxRow(db, mailboxId);
  const [updated] = await db
    .update(campaigns)
    .set({ mailboxId, updatedAt: nowIso() })
    .where(eq(campaigns.id, campaignId))
    .returning();
  return toCampaign(updated!);
}
