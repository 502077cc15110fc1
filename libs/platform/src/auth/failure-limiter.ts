export interface FailureLimiterOptions {
  /** Failures an address may make within one window before it is blocked. */
  limit: number;
  /** Length of a window, from an address's first failure in it (default one minute). */
  windowMs?: number;
  /** Addresses held at most (default 10,000). */
  capacity?: number;
}

interface Window {
  since: number;
  count: number;
}

/** Expired windows dropped per failure at most: a failure costs the same however many addresses are held. */
const SWEEP_SLICE = 16;

/**
 * Failed authentications per client address in fixed windows: an address that failed `limit` times
 * within `windowMs` of its first failure is blocked until that window ends.
 *
 * Each failure costs O(1): windows are kept in the order they opened (a Map iterates in insertion
 * order and a new window is always inserted anew), so the expired ones are at the front and a
 * failure drops a few of them, more than the one window it may add. Memory is bounded: with
 * `capacity` addresses inside open windows, a new one pushes out the oldest window, whose address
 * starts counting again.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly capacity: number;

  constructor(private readonly options: FailureLimiterOptions) {
    this.windowMs = options.windowMs ?? 60_000;
    this.capacity = options.capacity ?? 10_000;
  }

  /** Addresses held (open windows, and expired ones not dropped yet). */
  get size(): number {
    return this.windows.size;
  }

  blocked(address: string): boolean {
    const window = this.windows.get(address);
    if (!window) return false;
    if (this.expired(window, Date.now())) {
      this.windows.delete(address);
      return false;
    }
    return window.count >= this.options.limit;
  }

  failed(address: string): void {
    const now = Date.now();
    this.sweep(now);
    const window = this.windows.get(address);
    if (window && !this.expired(window, now)) {
      window.count += 1;
      return;
    }
    this.windows.delete(address);
    if (this.windows.size >= this.capacity) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(address, { since: now, count: 1 });
  }

  private sweep(now: number): void {
    let dropped = 0;
    for (const [address, window] of this.windows) {
      if (dropped === SWEEP_SLICE || !this.expired(window, now)) return;
      this.windows.delete(address);
      dropped += 1;
    }
  }

  private expired(window: Window, now: number): boolean {
    return now - window.since > this.windowMs;
  }
}
