export * from './sqlite-backend.js';
export * from './open-store.js';
