// @sotto/audit: the canary audit (issue 5). Node-only.
export { AuditError, isAuditError } from './errors.js';
export type { AuditErrorCode } from './errors.js';
export {
  TOKEN_LENGTH,
  MAX_SLOT,
  findTokens,
  makeToken,
  newAuditKey,
  newRunId,
  tokenUrl,
  verifyToken,
} from './tokens.js';
export type { TokenParts, UrlForm } from './tokens.js';
export { TokenRegistry, TOKENS_FILE } from './registry.js';
export type { TokenRecord } from './registry.js';
export { TokenMint } from './mint.js';
export { Listener, REQUESTS_FILE } from './listener.js';
export type { ListenerOptions } from './listener.js';
export { commonLogLine, parseRequestRecord } from './request-record.js';
export type { RequestRecord } from './request-record.js';
export { readJsonl } from './jsonl.js';
export { classify, timing } from './classify.js';
export type { Classification, HitKind, Timing } from './classify.js';
export { defang, hasLiveLink } from './defang.js';
export {
  buildSelfReport,
  buildTokenReport,
  collectHits,
  renderSelfReport,
  renderTokenReport,
  verdictFor,
} from './report.js';
export type {
  AuditSelfReport,
  ControlResult,
  Hit,
  ServerViewSummary,
  TokenReport,
  TokenReportEntry,
  EgressSummary,
  EgressViolation,
  Verdict,
} from './report.js';
export { EgressGuard } from './egress-guard.js';
export { RELAY_LOG_FILE, SottoChannel, THROWAWAY_KDF_COST } from './channels/sotto-channel.js';
export type { SottoChannelOptions } from './channels/sotto-channel.js';
export { encodeNeedle } from './encodings.js';
export { renderServerView, serverView, summarize } from './server-view.js';
export type { DatabaseView, ServerView } from './server-view.js';
export type { AccountView, ColumnInfo, TableInfo } from './sqlite-introspect.js';
export { manualChannel } from './channel.js';
export type { Channel, ChannelRole } from './channel.js';
export { runAudit, runChannel } from './experiment.js';
export type { ChannelOutcome, ExperimentOptions, HitSource } from './experiment.js';
export { stderrProgress } from './progress.js';
export type { Progress } from './progress.js';
export { KEY_FILE, openAuditDir } from './audit-dir.js';
export type { AuditDir } from './audit-dir.js';
export { runSelfAudit } from './self-audit.js';
export type { SelfAuditOptions, SelfAuditResult, SubjectFactoryInput } from './self-audit.js';
