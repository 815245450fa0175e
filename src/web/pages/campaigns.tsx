/** Campaign pages: the list, one campaign (counters, send-rate chart, link clicks, pause/resume), recipients, mailboxes, suppressions. */
import type { Campaign, CampaignInsights, Mailbox, Recipient, Suppression } from "../../campaigns";
import type { MailboxSyncStatus } from "../../imap";
import type { Session } from "../session";
import { BarChart } from "./chart";
import { CsrfField, Layout, Table } from "./layout";
import { When } from "./messages";

interface PageBase {
  csrfToken: string;
  session: Session | undefined;
}

export function campaignHref(id: number, rest = ""): string {
  return `/dashboard/campaigns/${id}${rest}`;
}

function State(props: { state: string }) {
  return <span class={`badge ${props.state}`}>{props.state}</span>;
}

export function CampaignsPage(props: PageBase & { campaigns: Campaign[] }) {
  return (
    <Layout title="Campaigns" csrfToken={props.csrfToken} session={props.session}>
      <Table
        rows={props.campaigns}
        empty="No campaigns yet. Agents create them with the campaigns tool."
        columns={[
          ["Campaign", (c) => <a href={campaignHref(c.id)}>{c.name}</a>],
          ["Subject", (c) => c.subject],
          ["State", (c) => <State state={c.state} />],
          ["Started", (c) => <When ts={c.started_at} />],
          ["Finished", (c) => <When ts={c.finished_at} />],
        ]}
      />
    </Layout>
  );
}

const COUNTERS: ReadonlyArray<[keyof CampaignInsights["status"], string]> = [
  ["total", "Recipients"],
  ["queued", "Queued"],
  ["sent", "Sent"],
  ["failed", "Failed"],
  ["skipped", "Suppressed"],
  ["opened", "Opened"],
  ["clicked", "Clicked"],
  ["bounced", "Bounced"],
  ["unsubscribed", "Unsubscribed"],
  ["complaints", "Complaints"],
  ["replies", "Replies"],
];

export function CampaignPage(props: PageBase & { insights: CampaignInsights }) {
  const { campaign, status, send_rate, links } = props.insights;
  const canWrite = props.session?.role === "writer";
  return (
    <Layout title={`Campaign: ${campaign.name}`} csrfToken={props.csrfToken} session={props.session}>
      <p class="row">
        <State state={status.state} />
        <span class="muted">Subject: {campaign.subject}</span>
        {status.pause_reason ? <span class="error">Paused: {status.pause_reason}</span> : null}
        <a href={campaignHref(campaign.id, "/recipients")}>Recipients</a>
      </p>
      {canWrite && status.state === "sending" ? (
        <form method="post" action={campaignHref(campaign.id, "/pause")} class="inline">
          <CsrfField token={props.csrfToken} />
          <button type="submit">Pause campaign</button>
        </form>
      ) : null}
      {canWrite && status.state === "paused" ? (
        <form method="post" action={campaignHref(campaign.id, "/resume")} class="inline">
          <CsrfField token={props.csrfToken} />
          <button type="submit">Resume campaign</button>
        </form>
      ) : null}
      {status.summary ? <p class="ok">{status.summary}</p> : null}
      <div class="counters">
        {COUNTERS.map(([key, label]) => (
          <div data-counter={key}>
            <strong>{String(status[key] ?? 0)}</strong>
            <span class="muted">{label}</span>
          </div>
        ))}
      </div>
      <h2>Send rate (messages per minute)</h2>
      <BarChart buckets={send_rate} label="Messages sent per minute" />
      <h2>Link clicks</h2>
      <Table
        rows={links}
        empty={campaign.track_clicks ? "No tracked links yet (they are recorded when sending starts)." : "Click tracking is off for this campaign."}
        columns={[
          ["#", (l) => String(l.link_index)],
          ["Link", (l) => <code>{l.url}</code>],
          ["Clicks", (l) => String(l.clicks)],
          ["Unique recipients", (l) => String(l.unique_recipients)],
          ["Bot clicks (ignored)", (l) => String(l.bot_clicks)],
        ]}
      />
      {status.errors.length > 0 ? (
        <section>
          <h2>First failures</h2>
          <Table rows={status.errors} empty="" columns={[["Address", (e) => e.email], ["Error", (e) => e.error]]} />
        </section>
      ) : null}
    </Layout>
  );
}

export function RecipientsPage(props: PageBase & { campaign: Campaign; recipients: Recipient[]; status: string; nextCursor: string | null }) {
  const base = campaignHref(props.campaign.id, "/recipients");
  const filter = props.status === "" ? "" : `&status=${encodeURIComponent(props.status)}`;
  return (
    <Layout title={`Recipients: ${props.campaign.name}`} csrfToken={props.csrfToken} session={props.session}>
      <p class="row">
        <a href={campaignHref(props.campaign.id)}>Back to the campaign</a>
        {["", "queued", "sending", "sent", "failed", "skipped"].map((s) =>
          s === props.status ? <strong>{s || "all"}</strong> : <a href={s ? `${base}?status=${s}` : base}>{s || "all"}</a>,
        )}
      </p>
      <Table
        rows={props.recipients}
        empty="No recipients in this state."
        columns={[
          ["Address", (r) => r.email],
          ["Name", (r) => r.name ?? ""],
          ["State", (r) => <State state={r.state} />],
          ["Sent", (r) => <When ts={r.sent_at} />],
          ["Attempts", (r) => String(r.attempts)],
          ["Error", (r) => r.error ?? ""],
        ]}
      />
      {props.nextCursor ? (
        <p>
          <a href={`${base}?cursor=${encodeURIComponent(props.nextCursor)}${filter}`}>Next page</a>
        </p>
      ) : null}
    </Layout>
  );
}

/** The last IMAP sync in words: never, when it succeeded, or what failed; plus the provider-block flag. */
function LastSync(props: { status: MailboxSyncStatus | undefined }) {
  const status = props.status;
  if (!status?.last_sync_at) return <span class="muted">never</span>;
  return (
    <span>
      {status.last_error === null ? "ok " : <span class="badge">failed</span>} <When ts={status.last_sync_at} />
      {status.last_error === null ? null : <span>{` ${status.last_error}`}</span>}
      {status.blocked_at === null ? null : <span class="badge">{`blocked: ${status.block_reason ?? "5.7.x"}`}</span>}
    </span>
  );
}

export function MailboxesPage(props: PageBase & { mailboxes: Mailbox[]; syncStatuses: ReadonlyMap<number, MailboxSyncStatus> }) {
  return (
    <Layout title="Mailboxes" csrfToken={props.csrfToken} session={props.session}>
      <Table
        rows={props.mailboxes}
        empty="No mailboxes yet. Agents add one with the mailboxes tool."
        columns={[
          ["Mailbox", (m) => m.name],
          ["From", (m) => `${m.from_name} <${m.from_email}>`],
          ["SMTP", (m) => `${m.smtp_host}:${m.smtp_port} (${m.smtp_security})`],
          ["IMAP", (m) => `${m.imap_host}:${m.imap_port} (${m.imap_security})`],
          ["Pace", (m) => `${m.rate_per_minute ?? "∞"}/min, ${m.daily_cap ?? "∞"}/day`],
          ["Last sync", (m) => <LastSync status={props.syncStatuses.get(m.id)} />],
          ["Updated", (m) => <When ts={m.updated_at} />],
        ]}
      />
    </Layout>
  );
}

export function SuppressionsPage(props: PageBase & { suppressions: Suppression[]; nextCursor: string | null }) {
  return (
    <Layout title="Suppressions" csrfToken={props.csrfToken} session={props.session}>
      <p class="muted">Addresses never sent to again: unsubscribes, hard bounces, complaints and manual entries.</p>
      <Table
        rows={props.suppressions}
        empty="No suppressed addresses."
        columns={[
          ["Address", (s) => s.email],
          ["Reason", (s) => <span class="badge">{s.reason}</span>],
          ["Source campaign", (s) => (s.source_campaign_id === null ? "" : <a href={campaignHref(s.source_campaign_id)}>{`#${s.source_campaign_id}`}</a>)],
          ["Since", (s) => <When ts={s.created_at} />],
        ]}
      />
      {props.nextCursor ? (
        <p>
          <a href={`/dashboard/suppressions?cursor=${encodeURIComponent(props.nextCursor)}`}>Next page</a>
        </p>
      ) : null}
    </Layout>
  );
}
