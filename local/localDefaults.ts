/**
 * Embedded defaults of the local pipeline (`npm start`), documented in README.md. The development
 * secret is public by design: it only ever guards a server bound to 127.0.0.1.
 */
export const DEFAULT_LOCAL_PORT = 3000;
export const DEVELOPMENT_SECRET = 'local_development_secret';
export const DEFAULT_OUTBOX_FILE = '.local/outbox.jsonl';
