import { type SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import type { DeliveryChannel } from './deliveryChannel.ts';
import type { DistributionMessage } from './distributionMessage.ts';
import { errorName, PermanentDeliveryError, ThrottledDeliveryError, TransientDeliveryError } from './errors.ts';
import { mailbox, unsubscribeHeaders } from './mailHeaders.ts';

export interface SesChannelOptions {
  readonly client: SESv2Client;
  /** An address (or "Name <address>") of an identity verified in SES. */
  readonly fromAddress: string;
  readonly configurationSet: string | undefined;
  /** Upper bound on the whole SendEmail call, the SDK's own retries included. */
  readonly timeoutMs: number;
}

/** SES tag values allow ASCII letters, digits, `_` and `-` only, up to 256 characters. */
const tagValue = (value: string): string => value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);

/**
 * The SendEmail request for a message: From with the sender's display name, Reply-To when set,
 * Simple content with subject, text and HTML in UTF-8 and the one-click unsubscribe headers
 * (RFC 8058), and tags that let SES event destinations (bounces, complaints) be traced back to the
 * send-out.
 */
export function sesSendEmailInput(
  message: DistributionMessage & { readonly to: string },
  options: Pick<SesChannelOptions, 'fromAddress' | 'configurationSet'>,
): SendEmailCommandInput {
  const tags = [
    { Name: 'envelope_id', Value: tagValue(message.envelopeId) },
    { Name: 'kind', Value: message.kind },
  ];
  if (message.distributionId) tags.push({ Name: 'distribution_id', Value: tagValue(message.distributionId) });
  return {
    FromEmailAddress: mailbox(message.sender.name, options.fromAddress),
    Destination: { ToAddresses: [message.to] },
    ...(message.sender.replyTo ? { ReplyToAddresses: [message.sender.replyTo] } : {}),
    Content: {
      Simple: {
        Subject: { Data: message.subject, Charset: 'UTF-8' },
        Body: {
          Text: { Data: message.text, Charset: 'UTF-8' },
          Html: { Data: message.html, Charset: 'UTF-8' },
        },
        Headers: Object.entries(unsubscribeHeaders(message)).map(([Name, Value]) => ({ Name, Value })),
      },
    },
    EmailTags: tags,
    ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
  };
}

// The account's sending rate or daily quota: expected in a big send-out, so the record waits its turn.
const THROTTLING_SES_ERRORS = new Set(['TooManyRequestsException', 'LimitExceededException', 'ThrottlingException', 'Throttling']);

// Account-level pauses and service trouble are transient: records wait on the queue (then the DLQ)
// while someone fixes the account.
const TRANSIENT_SES_ERRORS = new Set(['SendingPausedException', 'AccountSuspendedException', 'InternalFailure', 'ServiceUnavailable']);

// The request itself is refused: the same message would be refused again.
const PERMANENT_SES_ERRORS = new Set(['MessageRejected', 'BadRequestException', 'MailFromDomainNotVerifiedException', 'NotFoundException']);

/**
 * Whether an SES failure is throttling, worth retrying, or final. Known error names first, then the
 * HTTP status (429 throttling, 5xx transient, other 4xx permanent); no status at all means the
 * request never got an answer (a timeout, a refused connection), which is transient. The detail
 * names the error, never its message: SES messages can quote the recipient's address.
 */
export function classifySesError(error: unknown): ThrottledDeliveryError | TransientDeliveryError | PermanentDeliveryError {
  const name = errorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const detail = `ses:${name}${status ? `:${status}` : ''}`;
  if (THROTTLING_SES_ERRORS.has(name) || (status === 429 && !PERMANENT_SES_ERRORS.has(name))) {
    return new ThrottledDeliveryError('SES asks us to slow down', detail, undefined, { cause: error });
  }
  const permanent =
    !TRANSIENT_SES_ERRORS.has(name) && (PERMANENT_SES_ERRORS.has(name) || (status !== undefined && status >= 400 && status < 500));
  return permanent
    ? new PermanentDeliveryError('SES refused the message', detail, { cause: error })
    : new TransientDeliveryError('SES could not take the message now', detail, { cause: error });
}

export function sesChannel(options: SesChannelOptions): DeliveryChannel {
  return {
    name: 'ses',
    requiresEmail: true,
    async deliver(message) {
      if (!message.to) throw new PermanentDeliveryError('The message has no recipient', 'no_recipient');
      try {
        const result = await options.client.send(new SendEmailCommand(sesSendEmailInput({ ...message, to: message.to }, options)), {
          abortSignal: AbortSignal.timeout(options.timeoutMs),
        });
        return { reference: result.MessageId };
      } catch (error) {
        throw classifySesError(error);
      }
    },
  };
}
