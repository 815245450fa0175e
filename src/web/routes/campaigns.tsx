/** Campaign pages and the overseer's pause/resume: adapters over the campaigns context. */
import { Hono } from "hono";
import {
  campaignInsights,
  getCampaign,
  listCampaigns,
  listMailboxes,
  listRecipients,
  listSuppressions,
  pauseCampaignByRequest,
  resumeCampaign,
  sendPorts,
} from "../../campaigns";
import { createDb } from "../../db";
import { mailboxSyncStatuses } from "../../imap";
import { AppError } from "../../shared/errors";
import type { WebEnv } from "../env";
import { writerSession } from "../guards";
import { campaignHref, CampaignPage, CampaignsPage, MailboxesPage, RecipientsPage, SuppressionsPage } from "../pages/campaigns";

const RECIPIENT_STATES = new Set(["queued", "sending", "sent", "failed", "skipped"]);
const PAGE_SIZE = 100;

export const campaignRoutes = new Hono<WebEnv>();

function campaignId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new AppError("NOT_FOUND", `No campaign ${JSON.stringify(raw.slice(0, 40))}.`);
  return id;
}

campaignRoutes.get("/campaigns", async (c) => {
  const { campaigns } = await listCampaigns(createDb(c.env.DB));
  return c.html(<CampaignsPage campaigns={campaigns} csrfToken={c.get("csrfToken")} session={c.get("session")} />);
});

campaignRoutes.get("/campaigns/:id", async (c) => {
  const insights = await campaignInsights(createDb(c.env.DB), campaignId(c.req.param("id")));
  return c.html(<CampaignPage insights={insights} csrfToken={c.get("csrfToken")} session={c.get("session")} />);
});

campaignRoutes.post("/campaigns/:id/pause", async (c) => {
  writerSession(c);
  const id = campaignId(c.req.param("id"));
  await pauseCampaignByRequest(createDb(c.env.DB), id);
  return c.redirect(campaignHref(id), 303);
});

campaignRoutes.post("/campaigns/:id/resume", async (c) => {
  writerSession(c);
  const id = campaignId(c.req.param("id"));
  const db = createDb(c.env.DB);
  await resumeCampaign(await sendPorts(c.env, db), id);
  return c.redirect(campaignHref(id), 303);
});

campaignRoutes.get("/campaigns/:id/recipients", async (c) => {
  const db = createDb(c.env.DB);
  const id = campaignId(c.req.param("id"));
  const status = c.req.query("status") ?? "";
  const cursor = c.req.query("cursor");
  const [campaign, page] = await Promise.all([
    getCampaign(db, id),
    listRecipients(db, id, {
      limit: PAGE_SIZE,
      ...(RECIPIENT_STATES.has(status) ? { status: status as "queued" } : {}),
      ...(cursor ? { cursor } : {}),
    }),
  ]);
  return c.html(
    <RecipientsPage
      campaign={campaign}
      recipients={page.recipients}
      status={RECIPIENT_STATES.has(status) ? status : ""}
      nextCursor={page.next_cursor}
      csrfToken={c.get("csrfToken")}
      session={c.get("session")}
    />,
  );
});

campaignRoutes.get("/mailboxes", async (c) => {
  const db = createDb(c.env.DB);
  const [{ mailboxes }, syncStatuses] = await Promise.all([listMailboxes(db), mailboxSyncStatuses(db)]);
  return c.html(
    <MailboxesPage mailboxes={mailboxes} syncStatuses={syncStatuses} csrfToken={c.get("csrfToken")} session={c.get("session")} />,
  );
});

campaignRoutes.get("/suppressions", async (c) => {
  const cursor = c.req.query("cursor");
  const page = await listSuppressions(createDb(c.env.DB), { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
  return c.html(
    <SuppressionsPage suppressions={page.suppressions} nextCursor={page.next_cursor} csrfToken={c.get("csrfToken")} session={c.get("session")} />,
  );
});
