/**
 * A one-line progress bar for a terminal (stderr): share of the file read, lines and lines per second.
 * Redrawn at most every 100 ms; nothing is drawn when the stream is not a TTY.
 */
export class ProgressBar {
  private readonly started = performance.now();
  private lastDraw = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly totalBytes: number,
  ) {}

  update(bytes: number, lines: number, force = false): void {
    if (!this.out.isTTY) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const share = this.totalBytes > 0 ? Math.min(1, bytes / this.totalBytes) : 1;
    const width = 30;
    const filled = Math.round(share * width);
    const seconds = (now - this.started) / 1000;
    const perSecond = seconds > 0 ? Math.round(lines / seconds) : 0;
    this.out.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ` +
        `${lines.toLocaleString('en-US')} lines  ${perSecond.toLocaleString('en-US')} lines/s  ${seconds.toFixed(1)} s`,
    );
  }

  done(bytes: number, lines: number): void {
    this.update(bytes, lines, true);
    if (this.out.isTTY) this.out.write('\n');
  }
}
