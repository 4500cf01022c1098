import { Duration, Stack } from 'aws-cdk-lib';
import { Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALARM_PERIOD, type AlarmNotifications } from './AlarmNotifications.ts';

export interface DeadLetteredQueueProps {
  /** Receives before SQS moves a message to the DLQ. Required: it is a decision, not a default. */
  readonly maxReceiveCount: number;
  /** At least 6 × the consumer's timeout (AWS's guidance for Lambda consumers). */
  readonly visibilityTimeout: Duration;
  /** The largest message, attributes included, either queue must accept. */
  readonly maxMessageSizeBytes: number;
  /** How long an unconsumed message stays on the main queue. */
  readonly retentionPeriod: Duration;
  readonly notifications: AlarmNotifications;
  /** The alarm on the main queue fires when its oldest message is at least this old. */
  readonly oldestMessageAgeThreshold: Duration;
  /** Completes "Affected: …" for the DLQ alarm, e.g. who did not get what. */
  readonly deadLetterImpact: string;
  /** Completes "Where to look: …" for both alarms, e.g. the consumer's log group. */
  readonly consumerLogs: string;
  /** A customer-managed key for both queues; SQS-managed encryption without one. */
  readonly encryptionKey?: IKey | undefined;
}

/**
 * The house queue: a standard queue with a dead-letter queue, both encrypted (with SQS-managed keys,
 * or the key given) and refusing plain-HTTP access, and the two alarms every such queue needs: something reached
 * the DLQ, and the consumer is falling behind.
 *
 * The DLQ keeps messages for SQS's maximum of 14 days. For a standard queue a message keeps its
 * original enqueue time when it is dead-lettered, so the DLQ must retain longer than the queue.
 */
export class DeadLetteredQueue extends Construct {
  static readonly DEAD_LETTER_RETENTION = Duration.days(14);

  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: DeadLetteredQueueProps) {
    super(scope, id);
    if (props.retentionPeriod.toSeconds() >= DeadLetteredQueue.DEAD_LETTER_RETENTION.toSeconds()) {
      throw new Error(`${this.node.path}: the queue's retention must be shorter than the DLQ's 14 days`);
    }

    const encryption = props.encryptionKey
      ? { encryption: QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }
      : { encryption: QueueEncryption.SQS_MANAGED };
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...encryption,
      enforceSSL: true,
      retentionPeriod: DeadLetteredQueue.DEAD_LETTER_RETENTION,
      maxMessageSizeBytes: props.maxMessageSizeBytes,
    });
    this.queue = new Queue(this, 'Queue', {
      ...encryption,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod,
      visibilityTimeout: props.visibilityTimeout,
      maxMessageSizeBytes: props.maxMessageSizeBytes,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });

    const region = Stack.of(this).region;
    props.notifications.addAlarm('DeadLetterQueueNotEmptyAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: Stats.MAXIMUM }),
      threshold: 1,
      affected: `${props.deadLetterImpact} Messages are in the dead-letter queue ${this.deadLetterQueue.queueName} and are kept for 14 days.`,
      whereToLook: `${props.consumerLogs}, and each message's FailureReason attribute (aws sqs receive-message --queue-url ${this.deadLetterQueue.queueUrl} --message-attribute-names All --region ${region}). After fixing the cause, redrive with the stack output DeadLetterRedriveCommand.`,
    });
    props.notifications.addAlarm('OldestMessageAgeAlarm', {
      metric: this.queue.metricApproximateAgeOfOldestMessage({ period: ALARM_PERIOD, statistic: Stats.MAXIMUM }),
      threshold: props.oldestMessageAgeThreshold.toSeconds(),
      affected: `delivery is falling behind: messages on ${this.queue.queueName} have waited at least ${props.oldestMessageAgeThreshold.toHumanString()}, so customers get their messages late.`,
      whereToLook: `${props.consumerLogs} for errors and throttles, the worker's concurrency (maxConcurrency), and the queue's ApproximateNumberOfMessagesVisible metric.`,
    });
  }
}
