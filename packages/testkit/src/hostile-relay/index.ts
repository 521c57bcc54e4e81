export { startHostileRelay } from './hostile-relay.js';
export type {
  BundleJson,
  BundleRule,
  FrameRule,
  HostileRelay,
  ProxiedConnection,
  SeenFrame,
} from './hostile-relay.js';
export {
  downgradeVersion,
  extend,
  falselyAccepted,
  firstDelivers,
  flipBit,
  forgeSender,
  forgedDeliver,
  holdBack,
  onDeliver,
  replayAs,
  truncate,
} from './frame-attacks.js';
export {
  breakKyberPreKeySignature,
  breakSignedPreKeySignature,
  substituteIdentityKey,
  substituteOneTimePreKey,
  substituteSignedPreKey,
} from './bundle-attacks.js';
