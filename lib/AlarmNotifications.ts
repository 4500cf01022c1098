import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmNotificationsProps {
  /** Subscribed to the topic by e-mail (the recipient must confirm the subscription). */
  readonly email?: string | undefined;
}

export interface OperatorAlarmProps {
  readonly metric: IMetric;
  /** The alarm fires when the metric is at or above this value. */
  readonly threshold: number;
  readonly evaluationPeriods?: number;
  /** What is affected when this fires, in words an on-call engineer can act on. */
  readonly affected: string;
  /** Where to look first: log groups, queues, dashboards, commands. */
  readonly whereToLook: string;
}

/**
 * The stack's one alarm topic and the house way of declaring an alarm: every alarm notifies the
 * topic when it fires and when it recovers, treats missing data as healthy (these metrics are only
 * published when something happens), and says in its description what is affected and where to
 * look, so a page can be acted on without knowing this code.
 */
export class AlarmNotifications extends Construct {
  readonly topic: Topic;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: AlarmNotificationsProps = {}) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: 'Voucherify webhook alarms',
      enforceSSL: true,
    });
    // enforceSSL gives the topic a policy of its own, which replaces SNS's default one: without this
    // statement CloudWatch could not publish, and no alarm would ever reach anyone. Only this
    // account's alarms may publish.
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowThisAccountsAlarmsToPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    this.action = new SnsAction(this.topic);
  }

  addAlarm(id: string, props: OperatorAlarmProps): Alarm {
    const alarm = new Alarm(this, id, {
      metric: props.metric,
      threshold: props.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: `Affected: ${props.affected} Where to look: ${props.whereToLook}`,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    return alarm;
  }
}

/** The period every operator alarm evaluates over unless it has a reason not to. */
export const ALARM_PERIOD = Duration.minutes(5);
