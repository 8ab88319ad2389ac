/**
 * The timeouts of a stream's reads (first token, idle, total, the request's deadline) on
 * one timer. Arming it is two assignments, so a read costs no timer, Promise or race of
 * its own; the timer only wakes when the earliest deadline it was set for arrives, and
 * re-arms itself for the rest when reads moved the deadline on in the meantime. Only a
 * pending read is timed: between reads it is disarmed. When a
 * deadline does pass, `expire` cuts the stream (the pending read then ends) and `expired`
 * says which error it was.
 */
import type { ProxyError } from "../errors";

export class ReadWatchdog {
  private at = Number.POSITIVE_INFINITY;
  private error: () => ProxyError = () => {
    throw new Error("an unarmed watchdog cannot expire");
  };
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the running timer wakes. */
  private wakeAt = Number.POSITIVE_INFINITY;
  private stopped = false;
  /** The error of the deadline that passed, once one has. */
  expired: ProxyError | undefined;

  constructor(private readonly expire: (error: ProxyError) => void) {}

  /** The next read must end by `at`, or the stream fails with `error()`. */
  arm(at: number, error: () => ProxyError): void {
    this.at = at;
    this.error = error;
    if (this.stopped || this.expired !== undefined) return;
    // A later deadline waits for the running timer; only an earlier one needs a new timer.
    if (this.timer === undefined || at < this.wakeAt) this.schedule();
  }

  /** No read is pending: nothing is timed until the next `arm` (a client that reads slowly is not the upstream's fault). */
  disarm(): void {
    this.at = Number.POSITIVE_INFINITY;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.wakeAt = this.at;
    this.timer = setTimeout(() => this.wake(), Math.max(0, this.at - Date.now()));
  }

  private wake(): void {
    this.timer = undefined;
    if (this.stopped || this.at === Number.POSITIVE_INFINITY) return;
    if (Date.now() < this.at) return this.schedule();
    this.expired = this.error();
    this.expire(this.expired);
  }
}
