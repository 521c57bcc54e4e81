// A progress bar for the waiting window, written to stderr so stdout stays clean for --json.
export type Progress = (fraction: number, note: string) => void;

export function stderrProgress(
  write: (s: string) => void = (s) => process.stderr.write(s),
  width = 30,
): Progress {
  return (fraction, note) => {
    const f = Math.max(0, Math.min(1, fraction));
    const full = Math.round(f * width);
    write(
      `\r[${'#'.repeat(full)}${' '.repeat(width - full)}] ${String(Math.round(f * 100)).padStart(3)}% ${note}`,
    );
    if (f >= 1) write('\n');
  };
}
