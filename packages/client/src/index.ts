export * from './storage/index.js';
export * from './address-errors.js';
export * from './address.js';
export * from './qr.js';
export { fromBase64Url, toBase64Url } from './base64url.js';
export * from './link-text.js';
export * from './links.js';
export * from './known-bad-domains.js';
export * from './messenger/index.js';
