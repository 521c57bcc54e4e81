export { BIN, PASS, ROOT, jsonLines, ok, removeTempDirs, sotto, tempDir } from './sotto-process.js';
export type { Run } from './sotto-process.js';
