import { type TaskEvent, taskLimits } from "@berth/protocol/agent";
import type { CallResult } from "../control-plane/client.ts";
import type { EventDraft } from "./stream.ts";

export interface EventSenderOptions {
  taskId: string;
  send(body: { task_id: string; events: TaskEvent[] }): Promise<CallResult<null>>;
  /** The first seq to hand out (the task's state remembers it across restarts). */
  firstSeq: number;
  /** Called with the next unused seq before each batch goes out, so a restart never reuses one. */
  reserve(nextSeq: number): Promise<void> | void;
  /** Sends at least this often while events wait; default 2 s. */
  intervalMs?: number;
  /** Sends at once when this many wait; default 20. */
  batchSize?: number;
  /** Wait after a failed batch (the client retried already); default 2 s. */
  retryMs?: number;
  now?: () => number;
  log?: (msg: string) => void;
}

/**
 * The timeline's way out: events are numbered and queued, sent in order in batches (by count or
 * every couple of seconds), and a batch that fails is sent again until the control plane takes it
 * (it keeps the first copy of each seq) or refuses it for good (a 4xx: dropped, logged).
 */
export class EventSender {
  private queue: TaskEvent[] = [];
  private nextSeq: number;
  private sending: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly o: Required<Omit<EventSenderOptions, "log">> & { log(msg: string): void };

  constructor(opts: EventSenderOptions) {
    this.o = {
      ...opts,
      intervalMs: opts.intervalMs ?? 2000,
      batchSize: opts.batchSize ?? 20,
      retryMs: opts.retryMs ?? 2000,
      now: opts.now ?? Date.now,
      log: opts.log ?? (() => {}),
    };
    this.nextSeq = opts.firstSeq;
  }

  get seq(): number {
    return this.nextSeq;
  }

  push(turn: number, draft: EventDraft): TaskEvent {
    const event: TaskEvent = {
      seq: this.nextSeq++,
      at: new Date(this.o.now()).toISOString(),
      turn,
      ...draft,
    };
    this.queue.push(event);
    if (this.queue.length >= this.o.batchSize) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.o.intervalMs);
    return event;
  }

  /** Sends everything queued now; resolves when the queue is empty (or the sender stopped). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sending ??= this.drain().finally(() => {
      this.sending = null;
    });
    return this.sending;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const batch = this.queue.slice(0, Math.min(this.o.batchSize, taskLimits.eventsPerBatch));
      await this.o.reserve(this.nextSeq);
      const r = await this.o.send({ task_id: this.o.taskId, events: batch });
      if (r.ok || !r.retryable) {
        if (!r.ok) this.o.log(`task: events ${batch[0]?.seq}..${batch.at(-1)?.seq} refused: ${r.error}`);
        this.queue.splice(0, batch.length);
        continue;
      }
      this.o.log(`task: events not sent yet: ${r.error}`);
      await Bun.sleep(this.o.retryMs);
    }
  }
}
