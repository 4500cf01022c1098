import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeliveryChannel } from './deliveryChannel.ts';
import { messageDocument } from './distributionMessage.ts';
import { PermanentDeliveryError, TransientDeliveryError } from './errors.ts';

/**
 * Stands in for e-mail in local runs: appends one JSON line per delivered message to a file (see
 * messageDocument for its keys). Each line is written with a single write on a file opened for
 * appending, so lines from concurrent deliveries never interleave.
 */
export function outboxChannel(options: { readonly file: string }): DeliveryChannel {
  let directoryReady: Promise<unknown> | undefined;
  return {
    name: 'outbox',
    requiresEmail: true,
    async deliver(message) {
      if (!message.to) throw new PermanentDeliveryError('The message has no recipient', 'no_recipient');
      const line = Buffer.from(`${JSON.stringify(messageDocument(message))}\n`, 'utf8');
      try {
        directoryReady ??= mkdir(dirname(options.file), { recursive: true });
        await directoryReady;
        const file = await open(options.file, 'a');
        try {
          const { bytesWritten } = await file.write(line);
          if (bytesWritten !== line.length) throw new Error(`Short write: ${bytesWritten} of ${line.length} bytes`);
        } finally {
          await file.close();
        }
      } catch (error) {
        directoryReady = undefined;
        const code = (error as NodeJS.ErrnoException).code ?? 'write_failed';
        throw new TransientDeliveryError('Could not append to the outbox file', `outbox:${code}`, { cause: error });
      }
      return { reference: undefined };
    },
  };
}
