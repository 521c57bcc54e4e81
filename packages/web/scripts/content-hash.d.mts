export declare const BUILD_INFO: string;
export declare function contentHash(distDir: string): { sha256: string; files: number };
