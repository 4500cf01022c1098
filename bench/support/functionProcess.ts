/**
 * One bundled function in a process of its own (lambdaHost.mjs), as in its own Lambda execution
 * environment: its own environment only, the heap limits Lambda's Node.js runtime sets for the memory
 * size, its log lines written to /dev/null.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';

type Memory = { readonly memory: { readonly maxRssKiB: number } };
export type Ready = Memory & { readonly bootMs: number; readonly importMs: number };
export type Invoked = {
  readonly response: { readonly statusCode?: number; readonly body?: string };
  readonly ms: number;
  readonly logBytes: number;
};
/** Per invocation, except `outcomes` (what invocations answered → how many) and `memory`. */
export type Block = Memory & {
  readonly wallUs: number;
  readonly cpuUs: number;
  readonly logBytes: number;
  readonly outcomes: Readonly<Record<string, number>>;
};
export interface FunctionProcess {
  readonly ready: Ready;
  invoke(event: unknown): Promise<Invoked>;
  block(events: readonly unknown[], repeat: number, warmUp: number): Promise<Block>;
  stop(): void;
}

/**
 * V8's heap limits as Lambda's Node.js runtime sets them: a tenth of the memory size for the young
 * generation, the rest for the old. Without them V8 sizes its heap from this machine's RAM and hardly
 * collects, and RSS here would say nothing about RSS on Lambda.
 */
export function lambdaHeapFlags(memoryMb: number): string[] {
  const young = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(young / 2)}`, `--max-old-space-size=${memoryMb - young}`];
}

export async function startFunction(bundleFile: string, env: NodeJS.ProcessEnv, memoryMb: number): Promise<FunctionProcess> {
  const child = fork(join(import.meta.dirname, 'lambdaHost.mjs'), [bundleFile], {
    env: { ...env, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb) },
    execArgv: lambdaHeapFlags(memoryMb),
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  let pending: { resolve: (reply: never) => void; reject: (error: Error) => void } | undefined;
  const next = <T>() => new Promise<T>((resolve, reject) => (pending = { resolve, reject }));
  child.on('message', (reply: { type: string; error?: string }) => {
    if (reply.type === 'error') pending?.reject(new Error(`${bundleFile}: ${reply.error}`));
    else pending?.resolve(reply as never);
  });
  child.on('exit', (code) => pending?.reject(new Error(`${bundleFile}: the function's process exited (${code})`)));
  const ask = <T>(message: object) => {
    const answer = next<T>();
    child.send(message);
    return answer;
  };
  return {
    ready: await next<Ready>(),
    invoke: (event) => ask({ type: 'invoke', event }),
    block: (events, repeat, warmUp) => ask({ type: 'block', events, repeat, warmUp }),
    // The host exits when the channel closes.
    stop: () => child.removeAllListeners('exit').disconnect(),
  };
}
