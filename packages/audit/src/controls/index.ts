// TEST FIXTURES: positive controls for `audit self --control` and tests. Never part of a production
// configuration; exported on a separate sub-path (@sotto/audit/controls) so nothing imports them by
// accident through the main entry.
export { SKYPE_LIKE_USER_AGENT, SkypeLikeServer, isLoopbackHost, skypeLikeChannel } from './skype-like.js';
export type { SkypeLikeOptions } from './skype-like.js';
