/**
 * The events and context Lambda hands to the functions, built the way AWS builds them, for the
 * local runner, the tools and the tests. One definition, so every local path exercises the
 * handlers with the same shapes API Gateway (payload format 2.0) and SQS produce.
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, Context, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { WEBHOOK_ROUTE } from '../functions/shared/settings.ts';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './localAws.ts';

export interface HttpRequestShape {
  readonly method?: string;
  readonly path?: string;
  readonly rawQueryString?: string;
  /** Header names are lower-cased, and repeated headers joined with commas, as API Gateway does. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Buffer | string | undefined;
  readonly sourceIp?: string;
  readonly now?: Date;
}

/** Content types API Gateway passes as text; anything else arrives base64-encoded. */
const isTextContentType = (contentType: string | undefined): boolean =>
  contentType === undefined ||
  /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|[^;]*\+(json|xml))/i.test(contentType.trim());

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time` format: `16/Mar/2026:09:12:45 +0000`. */
export function apiGatewayRequestTime(date: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

export function httpApiEvent(request: HttpRequestShape): APIGatewayProxyEventV2 {
  const method = request.method ?? WEBHOOK_ROUTE.method;
  const path = request.path ?? WEBHOOK_ROUTE.path;
  const now = request.now ?? new Date();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = typeof value === 'string' ? value : value.join(',');
  }
  const contentType = headers['content-type'];
  const bytes = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
  const asText = bytes !== undefined && isTextContentType(contentType) && isUtf8(bytes);
  const body = bytes === undefined || bytes.length === 0 ? undefined : asText ? bytes.toString('utf8') : bytes.toString('base64');
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: request.rawQueryString ?? '',
    headers,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: apiGatewayRequestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: body !== undefined && !asText,
  };
}

export interface QueueMessageShape {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly messageAttributes?: Readonly<Record<string, { DataType?: string; StringValue?: string }>>;
  readonly md5OfBody?: string;
}

/** An SQS event record as Lambda's event source mapping builds it from a received message. */
export function sqsRecord(message: QueueMessageShape, queueArn: string): SQSRecord {
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.messageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  const now = String(Date.now());
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: message.attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: message.attributes?.SentTimestamp ?? now,
      SenderId: message.attributes?.SenderId ?? LOCAL_ACCOUNT_ID,
      ApproximateFirstReceiveTimestamp: message.attributes?.ApproximateFirstReceiveTimestamp ?? now,
    },
    messageAttributes,
    md5OfBody: message.md5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

export const sqsEvent = (records: SQSRecord[]): SQSEvent => ({ Records: records });

/** The event the event source mapping builds from messages received with all their attributes. */
export const sqsEventFromMessages = (messages: readonly Message[], queueArn: string): SQSEvent =>
  sqsEvent(
    messages.map((message) =>
      sqsRecord(
        {
          messageId: message.MessageId ?? '',
          receiptHandle: message.ReceiptHandle ?? '',
          body: message.Body ?? '',
          attributes: message.Attributes ?? {},
          messageAttributes: message.MessageAttributes ?? {},
          md5OfBody: message.MD5OfBody ?? '',
        },
        queueArn,
      ),
    ),
  );

export const localQueueArn = (queueName: string): string => `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${queueName}`;

/** A Lambda context whose remaining time counts down from `timeoutMs`, as the real one does. */
export function lambdaContext(functionName: string, timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
