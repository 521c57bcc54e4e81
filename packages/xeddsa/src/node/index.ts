export * from './ed25519-verify.js';
