import cliProgress from "cli-progress";

/** A progress reporter for one loop. */
export interface Progress {
  /** Advance to `value` (absolute) with a short status text. */
  update(value: number, status?: string): void;
  stop(): void;
}

/**
 * A cli-progress bar (`label [████░░░] 12/40 | eta 9s | status`), or a silent no-op when
 * `enabled` is false (tests, non-TTY logs).
 */
export function progressBar(label: string, total: number, enabled: boolean): Progress {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(22)} [{bar}] {value}/{total} | eta {eta_formatted} | {status}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { status: "" });
  return {
    update: (value, status = "") => bar.update(value, { status }),
    stop: () => bar.stop(),
  };
}
