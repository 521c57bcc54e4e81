/**
 * The build's content hash (written to /build-info.json by scripts/build.mjs and printed at build
 * time). Fetched from the serving origin — the only origin this app talks to.
 */
export interface BuildInfo {
  sha256: string;
}

export async function loadBuildInfo(): Promise<BuildInfo | undefined> {
  try {
    const res = await fetch('/build-info.json', { cache: 'no-store' });
    if (!res.ok) return undefined;
    const body: unknown = await res.json();
    const sha = (body as { sha256?: unknown }).sha256;
    return typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha) ? { sha256: sha } : undefined;
  } catch {
    return undefined;
  }
}
