import type { DropLedger } from "./delivery/drop-ledger.ts";
import type { AitherStats } from "./types.ts";

/** The counters behind `stats()` other than drops (the {@link DropLedger} keeps those). */
export class Stats {
  sent = 0;
  retries = 0;
  sampled = 0;
  truncated = 0;

  snapshot(queued: number, inFlight: number, ledger: DropLedger): AitherStats {
    return {
      queued,
      inFlight,
      sent: this.sent,
      dropped: ledger.dropped,
      retries: this.retries,
      sampled: this.sampled,
      truncated: this.truncated,
      droppedByReason: ledger.byReason(),
    };
  }
}
