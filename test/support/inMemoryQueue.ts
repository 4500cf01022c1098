import type { AcceptedWebhook, WebhookQueue } from '../../functions/ingest/webhookQueue.ts';

/** A WebhookQueue that keeps what it is given; for unit tests of the ingest's decisions. */
export class InMemoryWebhookQueue implements WebhookQueue {
  readonly messages: AcceptedWebhook[] = [];
  failWith: Error | undefined;

  async enqueue(webhook: AcceptedWebhook): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.messages.push(webhook);
  }
}
