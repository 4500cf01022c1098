import { recipientOf } from '../shared/emailAddress.ts';
import { parseJsonObject } from '../shared/parseJsonObject.ts';
import type { UnsubscribeList } from '../shared/unsubscribeList.ts';
import {
  type ContractIssue,
  classifyDistribution,
  distributionIdOf,
  MESSAGE_ATTRIBUTE,
  parseWebhook,
  type SegmentEnteredWebhook,
} from '../shared/webhookContract.ts';
import type { SenderIdentity } from './config.ts';
import type { DeadLetterQueue } from './deadLetterQueue.ts';
import type { DeferralQueue } from './deferralQueue.ts';
import type { DeliveryChannel } from './deliveryChannel.ts';
import type { DistributionMessage } from './distributionMessage.ts';
import {
  DistributeError,
  errorName,
  PermanentDeliveryError,
  TemplateError,
  ThrottledDeliveryError,
  TransientDeliveryError,
} from './errors.ts';
import type { Formatters } from './formatters.ts';
import type { IdempotencyClaim, IdempotencyLease, IdempotencyStore } from './idempotencyStore.ts';
import { attributeText, type QueuedWebhook } from './queuedWebhook.ts';
import { renderMessage } from './renderMessage.ts';
import type { SendPacer } from './sendPacer.ts';
import type { TemplateOverride } from './templates/messageTemplate.ts';

export interface DistributeDependencies {
  readonly channel: DeliveryChannel;
  readonly idempotency: IdempotencyStore;
  readonly deadLetters: DeadLetterQueue;
  readonly format: Formatters;
  readonly sender: SenderIdentity;
  /** The customer's unsubscribe link; rejects when its key cannot be read. */
  readonly unsubscribeLinks: { urlFor(customerId: string): Promise<string> };
  readonly unsubscribes: UnsubscribeList;
  /** Keeps sends at this container's share of the provider's rate. */
  readonly pacer: SendPacer;
  /** Where records wait their turn (see deferRecord.ts). */
  readonly deferrals: DeferralQueue;
  /** A send-out still waiting for its turn after this long goes to the DLQ instead. */
  readonly maxSendOutAgeMs: number;
  /** The longest one record can take once started: no record starts later than this before the timeout. */
  readonly recordBudgetMs: number;
  /** Replaces the repository's template overrides (tests). */
  readonly overrides?: Readonly<Record<string, TemplateOverride>>;
}

/** The ids a record is logged with: from its body when it parses, else from the ingest's attributes. */
export interface RecordIdentity {
  readonly envelopeId: string | undefined;
  readonly eventId: string | undefined;
  readonly distributionId: string | undefined;
  /** A DistributionKind, or whatever the attribute said when the body could not be read. */
  readonly kind: string | undefined;
}

export type SkipReason = 'no_contact' | 'invalid_contact' | 'unsubscribed' | 'duplicate' | 'unhandled_event_type';
export type TransientReason =
  | 'delivery_unavailable'
  | 'idempotency_unavailable'
  | 'unsubscribe_list_unavailable'
  | 'in_progress_elsewhere'
  | 'requeue_failed'
  | 'unexpected_error';
export type PermanentReason = 'malformed_body' | 'invalid_payload' | 'template_error' | 'delivery_rejected' | 'max_age_exceeded';
/** `throttled`: the provider asked us to slow down; `time_budget`: its turn would have come too late for this invocation. */
export type DeferReason = 'throttled' | 'time_budget';

export type RecordOutcome = {
  readonly messageId: string;
  readonly identity: RecordIdentity;
  /**
   * This attempt took over a claim an earlier attempt left unfinished (see IdempotencyClaim): if
   * that attempt had delivered, a delivery now is a second copy. Absent otherwise.
   */
  readonly claimTakenOver?: true;
} & (
  | {
      readonly outcome: 'delivered';
      readonly channel: string;
      readonly templateKey: string;
      /**
       * `lock_lost`: this worker's claim had expired and another took it over (the send-out may
       * have gone out twice); `not_recorded`: DynamoDB failed after the send, so a redelivery of
       * the same send-out after the lock expires would not be recognised as a duplicate.
       */
      readonly completion: 'completed' | 'lock_lost' | 'not_recorded';
    }
  | { readonly outcome: 'skipped'; readonly reason: SkipReason }
  | {
      readonly outcome: 'transient_failure';
      readonly reason: TransientReason;
      readonly detail: string;
      /** Only for unexpected errors (bugs), whose stack is worth logging; delivery errors may quote addresses. */
      readonly error?: unknown;
    }
  | {
      /** Not attempted, or attempted and throttled: it waits its turn on the queue (see deferRecord.ts). */
      readonly outcome: 'deferred';
      readonly reason: DeferReason;
      readonly detail: string;
      /** How long the provider asked us to wait, when it said. */
      readonly retryAfterMs?: number;
      /** Set once the record is back on the queue: how long it waits there. */
      readonly delaySeconds?: number;
    }
  | {
      readonly outcome: 'permanent_failure';
      readonly reason: PermanentReason;
      readonly detail: string;
      /** False when the DLQ refused it too: the record is then left on the queue to be retried. */
      readonly deadLettered: boolean;
      readonly deadLetterDetail?: string;
    }
);

/** Whether SQS must deliver the record again (reported in batchItemFailures) rather than delete it. */
export const needsRetry = (outcome: RecordOutcome): boolean =>
  outcome.outcome === 'transient_failure' ||
  (outcome.outcome === 'permanent_failure' && !outcome.deadLettered) ||
  (outcome.outcome === 'deferred' && outcome.delaySeconds === undefined);

export const identityFromAttributes = (webhook: QueuedWebhook): RecordIdentity => ({
  envelopeId: attributeText(webhook, MESSAGE_ATTRIBUTE.envelopeId),
  eventId: attributeText(webhook, MESSAGE_ATTRIBUTE.eventId),
  distributionId: attributeText(webhook, MESSAGE_ATTRIBUTE.distributionId),
  kind: attributeText(webhook, MESSAGE_ATTRIBUTE.distributionKind),
});

const identityOf = (webhook: SegmentEnteredWebhook): RecordIdentity => ({
  envelopeId: webhook.id,
  eventId: webhook.event.id,
  distributionId: distributionIdOf(webhook),
  kind: classifyDistribution(webhook.data),
});

/** A contact-free name for an error: its detail when it is one of ours, else its class name. */
export const errorDetail = (error: unknown): string => (error instanceof DistributeError ? error.detail : errorName(error));

/**
 * Takes one queued send-out to its outcome, in an order that keeps every check that needs no I/O
 * before the idempotency claim: parse and validate the body, skip customers the channel cannot
 * reach, render the message (so a broken template never takes a lock), skip customers who
 * unsubscribed, wait for the send's turn (see SendPacer), claim the send-out, deliver, record the
 * delivery. Permanent failures go to the DLQ from here; transient ones are returned for the caller
 * to report to SQS, deferred ones for it to put back on the queue. Never sends without holding the
 * claim, and never starts a send after `startBy` (epoch ms), so a batch cannot outrun its timeout.
 */
export async function distributeRecord(
  webhook: QueuedWebhook,
  dependencies: DistributeDependencies,
  startBy = Number.POSITIVE_INFINITY,
): Promise<RecordOutcome> {
  const { messageId } = webhook;
  const json = parseJsonObject(webhook.body);
  if (json === undefined) {
    return deadLetter(webhook, identityFromAttributes(webhook), 'malformed_body', 'body is not a JSON object', dependencies);
  }
  const parsed = parseWebhook(json);
  if (parsed.outcome === 'invalid') {
    return deadLetter(webhook, identityFromAttributes(webhook), 'invalid_payload', describeIssues(parsed.issues), dependencies);
  }
  if (parsed.outcome === 'other_event') {
    // The ingest never enqueues these; if one arrives anyway it is not ours to act on (as there).
    return { messageId, identity: identityFromAttributes(webhook), outcome: 'skipped', reason: 'unhandled_event_type' };
  }

  const identity = identityOf(parsed.webhook);
  // The address is checked before anything else is done for this customer: a missing or unusable
  // one (a display name, a second address, a line break) is the data's fault, not the system's.
  const recipient = recipientOf(parsed.webhook.data.customer.email);
  if (dependencies.channel.requiresEmail && recipient.status !== 'valid') {
    return { messageId, identity, outcome: 'skipped', reason: recipient.status === 'missing' ? 'no_contact' : 'invalid_contact' };
  }
  const customerId = parsed.webhook.data.customer.id;
  let message: DistributionMessage;
  try {
    const unsubscribeUrl = await dependencies.unsubscribeLinks.urlFor(customerId);
    message = renderMessage(parsed.webhook, { ...dependencies, unsubscribeUrl });
  } catch (error) {
    if (error instanceof TemplateError) return deadLetter(webhook, identity, 'template_error', error.detail, dependencies);
    if (error instanceof TransientDeliveryError) {
      return { messageId, identity, outcome: 'transient_failure', reason: 'delivery_unavailable', detail: error.detail };
    }
    throw error;
  }
  // Never mail a customer who asked not to be: if the list cannot be read, wait rather than guess.
  let unsubscribed: boolean;
  try {
    unsubscribed = await dependencies.unsubscribes.isUnsubscribed(customerId);
  } catch (error) {
    return { messageId, identity, outcome: 'transient_failure', reason: 'unsubscribe_list_unavailable', detail: errorDetail(error) };
  }
  if (unsubscribed) return { messageId, identity, outcome: 'skipped', reason: 'unsubscribed' };
  if (!(await dependencies.pacer.waitForTurn(startBy))) {
    return { messageId, identity, outcome: 'deferred', reason: 'time_budget', detail: 'not started: too little time left' };
  }

  let claim: IdempotencyClaim;
  try {
    claim = await dependencies.idempotency.claim(message.envelopeId);
  } catch (error) {
    return { messageId, identity, outcome: 'transient_failure', reason: 'idempotency_unavailable', detail: errorDetail(error) };
  }
  if (claim.status === 'completed') return { messageId, identity, outcome: 'skipped', reason: 'duplicate' };
  if (claim.status === 'in_progress') {
    return { messageId, identity, outcome: 'transient_failure', reason: 'in_progress_elsewhere', detail: 'claimed by another worker' };
  }
  const outcome = await deliverClaimed(webhook, identity, message, claim.lease, dependencies);
  return claim.takenOver ? { ...outcome, claimTakenOver: true } : outcome;
}

/** Delivers a send-out this worker holds the claim of, then completes the claim (or gives it up). */
async function deliverClaimed(
  webhook: QueuedWebhook,
  identity: RecordIdentity,
  message: DistributionMessage,
  lease: IdempotencyLease,
  dependencies: DistributeDependencies,
): Promise<RecordOutcome> {
  const { messageId } = webhook;
  let reference: string | undefined;
  try {
    ({ reference } = await dependencies.channel.deliver(message));
  } catch (error) {
    // Give the claim up so the retry (or a redrive from the DLQ) can deliver. If this fails too,
    // the lock simply expires, always before the message becomes visible again.
    await dependencies.idempotency.release(lease).catch(() => undefined);
    if (error instanceof ThrottledDeliveryError) {
      dependencies.pacer.throttled(error.retryAfterMs);
      return {
        messageId,
        identity,
        outcome: 'deferred',
        reason: 'throttled',
        detail: error.detail,
        ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      };
    }
    if (error instanceof PermanentDeliveryError) {
      return deadLetter(webhook, identity, 'delivery_rejected', error.detail, dependencies);
    }
    return { messageId, identity, outcome: 'transient_failure', reason: 'delivery_unavailable', detail: errorDetail(error) };
  }
  dependencies.pacer.delivered();

  let completion: 'completed' | 'lock_lost' | 'not_recorded';
  try {
    completion = await dependencies.idempotency.complete(lease, {
      kind: message.kind,
      channel: dependencies.channel.name,
      eventId: message.eventId,
      distributionId: message.distributionId,
      reference,
    });
  } catch {
    // Sent is sent: retrying the record now would send it again at once. It is acknowledged and
    // the failure reported (see RecordOutcome); the claim expires on its own.
    completion = 'not_recorded';
  }
  return { messageId, identity, outcome: 'delivered', channel: dependencies.channel.name, templateKey: message.templateKey, completion };
}

export async function deadLetter(
  webhook: QueuedWebhook,
  identity: RecordIdentity,
  reason: PermanentReason,
  detail: string,
  dependencies: Pick<DistributeDependencies, 'deadLetters'>,
): Promise<RecordOutcome> {
  const base = { messageId: webhook.messageId, identity, outcome: 'permanent_failure', reason, detail } as const;
  try {
    await dependencies.deadLetters.send(webhook, { reason, detail });
    return { ...base, deadLettered: true };
  } catch (error) {
    return { ...base, deadLettered: false, deadLetterDetail: errorDetail(error) };
  }
}

/** Paths and schema messages only: they name fields, never the values in them. */
const describeIssues = (issues: readonly ContractIssue[]): string =>
  issues.map((issue) => `${issue.path || '(body)'}: ${issue.message}`).join('; ');
