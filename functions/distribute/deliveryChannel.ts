import type { DeliveryChannelName } from './config.ts';
import type { DistributionMessage } from './distributionMessage.ts';

export interface DeliveryReceipt {
  /** The channel's reference for the delivery (an SES message id, an HTTP status), if it has one. */
  readonly reference: string | undefined;
}

/** Where rendered messages go: SES, an HTTP endpoint, or a local outbox file. */
export interface DeliveryChannel {
  readonly name: DeliveryChannelName;
  /** Whether the channel can reach only customers who have an e-mail address. */
  readonly requiresEmail: boolean;
  /**
   * Resolves once the message is accepted for delivery. Rejects with TransientDeliveryError when a
   * later attempt may succeed and PermanentDeliveryError when it cannot; anything else is treated
   * as transient.
   */
  deliver(message: DistributionMessage): Promise<DeliveryReceipt>;
}
