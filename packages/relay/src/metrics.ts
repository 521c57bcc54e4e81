// Prometheus metrics: counts and gauges only, labelled by route pattern / error code, never by an
// account, device, envelope or address. One registry per relay so several relays can share a process.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface RelayMetrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'status'>;
  wsConnections: Gauge;
  wsAuthenticated: Gauge;
  envelopesAccepted: Counter;
  envelopesDelivered: Counter;
  envelopesAcked: Counter;
  envelopesExpired: Counter;
  submitsRejected: Counter<'code'>;
  framesRejected: Counter<'code'>;
  bundleClaims: Counter;
  authFailures: Counter;
  attachmentsStored: Counter;
  accountsDeleted: Counter;
  sessionsRevokedByRecheck: Counter;
}

export function createMetrics(withDefaults = false): RelayMetrics {
  const registry = new Registry();
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: 'sotto_relay_' });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'sotto_relay_http_requests_total',
      help: 'HTTP requests by route pattern and status',
      labelNames: ['route', 'status'],
      registers,
    }),
    wsConnections: new Gauge({
      name: 'sotto_relay_ws_connections',
      help: 'Open WebSocket connections',
      registers,
    }),
    wsAuthenticated: new Gauge({
      name: 'sotto_relay_ws_authenticated',
      help: 'Authenticated WebSocket connections',
      registers,
    }),
    envelopesAccepted: new Counter({
      name: 'sotto_relay_envelopes_accepted_total',
      help: 'Envelopes durably stored',
      registers,
    }),
    envelopesDelivered: new Counter({
      name: 'sotto_relay_envelopes_pushed_total',
      help: 'DELIVER frames sent (including redeliveries)',
      registers,
    }),
    envelopesAcked: new Counter({
      name: 'sotto_relay_envelopes_acked_total',
      help: 'Envelopes deleted after a recipient ack',
      registers,
    }),
    envelopesExpired: new Counter({
      name: 'sotto_relay_envelopes_expired_total',
      help: 'Envelopes deleted by the TTL sweeper',
      registers,
    }),
    submitsRejected: new Counter({
      name: 'sotto_relay_submits_rejected_total',
      help: 'Submits rejected, by error code',
      labelNames: ['code'],
      registers,
    }),
    framesRejected: new Counter({
      name: 'sotto_relay_frames_rejected_total',
      help: 'Malformed or unexpected frames, by error code',
      labelNames: ['code'],
      registers,
    }),
    bundleClaims: new Counter({
      name: 'sotto_relay_bundle_claims_total',
      help: 'Prekey bundles served',
      registers,
    }),
    authFailures: new Counter({
      name: 'sotto_relay_auth_failures_total',
      help: 'Failed authentications',
      registers,
    }),
    attachmentsStored: new Counter({
      name: 'sotto_relay_attachments_stored_total',
      help: 'Attachments uploaded',
      registers,
    }),
    accountsDeleted: new Counter({
      name: 'sotto_relay_accounts_deleted_total',
      help: 'Accounts deleted by their owners',
      registers,
    }),
    sessionsRevokedByRecheck: new Counter({
      name: 'sotto_relay_sessions_revoked_by_recheck_total',
      help: 'Connections cut off by the periodic credential recheck (their removal notice never arrived)',
      registers,
    }),
  };
}
