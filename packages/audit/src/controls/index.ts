// TEST FIXTURES: positive controls for `audit self --control` and tests. Never part of a production
// configuration; exported on a separate sub-path (@sotto/audit/controls) so nothing imports them by
// accident through the main entry.
export { SKYPE_LIKE_USER_AGENT, SkypeLikeServer, skypeLikeChannel } from './skype-like.js';
export { isLoopbackHost } from './loopback-probe.js';
export type { SkypeLikeOptions } from './skype-like.js';
export { ReputationService, SCANNING_CLIENT_USER_AGENT, scanningClientChannel } from './scanning-client.js';
export type { ScanningClientOptions } from './scanning-client.js';
export { startPositiveControls } from './positive-controls.js';
