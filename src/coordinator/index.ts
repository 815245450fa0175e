export { ProjectCoordinator } from "./project-coordinator";
export {
  activeClaimsOverlap,
  checkClaims,
  claimPaths,
  coordinatorFor,
  forceReleaseClaim,
  listClaims,
  releaseClaims,
  renewClaims,
  type ClaimFilter,
  type ClaimOptions,
  type ProjectRef,
} from "./claims-service";
export type {
  AgentRef,
  CheckResult,
  ClaimRecord,
  ClaimResult,
  ForceReleaseResult,
  ReleaseResult,
  RenewResult,
} from "./types";
export { DEFAULT_CLAIM_TTL_SECONDS, MIN_CLAIM_TTL_SECONDS, MAX_CLAIM_TTL_SECONDS } from "./constants";
export { archiveAgentProfile, archiveMessage, repairArchive, type RepairReport } from "./archive-service";
export type { ArchiveAgentProfile, ArchiveMessage } from "./archive/documents";
export { archiveRoutes } from "./archive/http";
export { recentArchiveCommits, type ArchiveCommit } from "./archive/log";
export {
  agentLastActive,
  archiveStoredAgent,
  archiveStoredMessage,
  loadArchiveMessages,
  repairProjectArchive,
  repairProjectArchiveByKey,
  type ArchiveProject,
} from "./archive-d1";
export {
  checkClaimsAs,
  claimPathsAs,
  claimsOfProject,
  forceReleaseClaimAs,
  guardInstructions,
  guardUninstallInstructions,
  releaseClaimsAs,
  renewClaimsAs,
  type ClaimsDeps,
  type ClaimsListing,
  type Identity,
} from "./claims-actions";
export {
  convertInlineImages,
  messageAttachmentsRequired,
  prepareMessageAttachments,
  readAttachmentBlob,
  storeAttachment,
  storeAttachments,
  DEFAULT_INLINE_MAX_BYTES,
  MAX_FILE_BYTES,
  MAX_IMAGE_BYTES,
  type AttachmentDescriptor,
  type AttachmentInput,
  type AttachmentOptions,
} from "./attachments/store";
export { attachmentRoutes } from "./attachments/http";
export { archiveAgentById, archivingNotifier, claimsContactSignals } from "./mail-hooks";
