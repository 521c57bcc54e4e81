export * from './node-crypto-provider.js';
