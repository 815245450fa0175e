/** Campaigns context: mailboxes, campaigns, recipients, suppressions, rendering and the send pipeline. */
export {
  createMailbox,
  deleteMailbox,
  getMailbox,
  listMailboxes,
  updateMailbox,
  type Mailbox,
  type MailboxInput,
  type MailboxPatch,
  mailboxCredentials,
  type MailboxCredentials,
} from "./mailboxes";
export { assertMailHostAllowed } from "./host-policy";
export { verifyMailbox, type ImapCheck, type VerifyResult } from "./verify";
export {
  cloneCampaign,
  createCampaign,
  deleteCampaign,
  getCampaign,
  listCampaigns,
  switchCampaignMailbox,
  updateCampaign,
  type Campaign,
  type CampaignInput,
  type CampaignPatch,
} from "./campaigns";
export {
  addRecipient,
  importRecipients,
  listRecipients,
  recipientsFromCsv,
  type ImportResult,
  type OnConflict,
  type Recipient,
  type RecipientInput,
} from "./recipients";
export { addSuppressions, listSuppressions, removeSuppression, type Suppression } from "./suppressions";
export { cancelCampaign, campaignStatus, pauseCampaignByRequest, resumeCampaign, sendCampaign, type SendPorts } from "./send";
export { processSendChunk, type ChunkOutcome, type SendChunk, type SenderPorts, type SentCopy, type Transport } from "./sender";
export { consumeSendQueue } from "./consumer";
export { sendPorts, senderPorts } from "./ports";
export { renderMessage, type RenderedMessage } from "./render";
export { SmtpConnectionError, SmtpReplyError, SmtpSession, type SmtpEnvelope, type SmtpReply } from "./smtp-session";
export { MAX_RECIPIENT_BATCH, SEND_CHUNK_SIZE } from "./constants";
export {
  campaignInsights,
  type CampaignInsights,
  type CampaignStatusView,
  type LinkClicks,
  type SendRateBucket,
} from "./insights";
