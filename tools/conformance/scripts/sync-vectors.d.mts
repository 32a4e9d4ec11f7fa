/** Types of sync-vectors.mjs (a plain Node script, so `pnpm conformance:sync` needs no build). */
export declare const repoRoot: string;
export declare const vectorsDir: string;
export declare const sharedVectorsDir: string;
export declare const syncCommand: string;
export declare function vectorDrift(sharedDir?: string, repoDir?: string): { name: string; state: "missing" | "differs" }[] | null;
export declare function syncVectors(sharedDir?: string, repoDir?: string): string[] | null;
