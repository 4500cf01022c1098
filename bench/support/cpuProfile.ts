/**
 * "Where the time goes": a V8 CPU profile (from the inspector, or a .cpuprofile file written by
 * --cpu-prof) reduced to self time per category of code and per function.
 */
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Share of sampled time per category, largest first. */
  readonly categories: readonly { readonly category: string; readonly ms: number; readonly share: number }[];
  /** The functions with the most self time. */
  readonly functions: readonly { readonly name: string; readonly category: string; readonly ms: number; readonly share: number }[];
}

export type Categorize = (url: string, functionName: string) => string;

/** Categories shared by the benchmarks; each can add its own rules in front. */
export function defaultCategory(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle (waiting on I/O)';
  if (functionName === '(program)' || functionName === '(root)') return 'V8/native (program)';
  if (url.includes('/functions/ingest/')) return 'ours: functions/ingest';
  // The only WebAssembly either function runs: functions/ingest/jsonWhitespace.wat.
  if (url.startsWith('wasm://')) return 'ours: functions/ingest (WebAssembly SIMD)';
  if (url.includes('/functions/distribute/')) return 'ours: functions/distribute';
  if (url.includes('/functions/shared/')) return 'ours: functions/shared';
  if (url.includes('/node_modules/valibot/')) return 'valibot';
  if (url.includes('/node_modules/@aws-lambda-powertools/')) return 'Powertools (logger)';
  if (url.includes('/node_modules/@middy/')) return 'Middy';
  if (url.includes('/node_modules/@aws-sdk/') || url.includes('/node_modules/@smithy/') || url.includes('/node_modules/@aws-crypto/')) {
    return 'AWS SDK';
  }
  if (url.includes('/node_modules/fauxqs/') || url.includes('/node_modules/fastify') || url.includes('/node_modules/@fastify/')) {
    return 'emulator: fauxqs (SQS)';
  }
  if (url.includes('/node_modules/dynalite/') || url.includes('level') || url.includes('/node_modules/lazy/') || url.includes('/node_modules/big.js/')) {
    return 'emulator: dynalite (DynamoDB)';
  }
  if (url.includes('/node_modules/aws-ses-v2-local/') || url.includes('/node_modules/express/')) return 'emulator: local SES';
  if (url.includes('/local/')) return 'local stand-ins (API Gateway, poller)';
  if (url.includes('/bench/') || url.includes('/scripts/')) return 'load generator / harness';
  if (url.includes('/node_modules/')) return `other package: ${url.split('/node_modules/').pop()?.split('/').slice(0, url.includes('/node_modules/@') ? 2 : 1).join('/')}`;
  if (url.startsWith('node:internal/modules') || url.includes('amaro') || url === 'node:internal/bootstrap/realm') {
    return 'module loading and type stripping (start-up)';
  }
  if (url.startsWith('node:') || url === '') return 'Node.js internals (http, streams, crypto, timers)';
  return 'other';
}

export function summarizeProfile(profile: CpuProfile, categorize: Categorize = defaultCategory, top = 12): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (let index = 0; index < profile.samples.length; index++) {
    const id = profile.samples[index]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  }
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, { category: string; us: number }>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    // The inspector serialising the profile when it stops: the measurement's cost, not the code's.
    if (url === 'node:inspector') continue;
    const category = categorize(url, functionName);
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
    const file = url.replace(/^.*\/(node_modules\/)/, '$1').replace(/^file:\/\/.*\/main\//, '');
    const name = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    const entry = byFunction.get(name) ?? { category, us: 0 };
    entry.us += us;
    byFunction.set(name, entry);
    total += us;
  }
  const ms = (us: number) => Number((us / 1000).toFixed(1));
  const share = (us: number) => Number(((us / total) * 100).toFixed(1));
  return {
    totalMs: ms(total),
    categories: [...byCategory.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([category, us]) => ({ category, ms: ms(us), share: share(us) })),
    functions: [...byFunction.entries()]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([name, { category, us }]) => ({ name, category, ms: ms(us), share: share(us) })),
  };
}

/**
 * Inclusive attribution: each sample goes to the innermost frame on its stack that has an owner
 * (ownerOf returns one), so SDK and Node.js work called from our code counts as ours and the HTTP
 * server work called from an emulator counts as the emulator's. Samples with no owning frame on the
 * stack (event-loop callbacks, GC, idle) keep their self category.
 */
export function summarizeByOwner(profile: CpuProfile, ownerOf: (url: string) => string | undefined): ProfileSummary {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const ownerCache = new Map<number, string>();
  const owner = (id: number): string => {
    const cached = ownerCache.get(id);
    if (cached) return cached;
    let current: number | undefined = id;
    let found: string | undefined;
    while (current !== undefined && found === undefined) {
      found = ownerOf(nodes.get(current)!.callFrame.url);
      current = parent.get(current);
    }
    const { url, functionName } = nodes.get(id)!.callFrame;
    const result = found ?? `unattributed: ${defaultCategory(url, functionName)}`;
    ownerCache.set(id, result);
    return result;
  };
  const byOwner = new Map<string, number>();
  let total = 0;
  for (let index = 0; index < profile.samples.length; index++) {
    const id = profile.samples[index]!;
    if (nodes.get(id)!.callFrame.url === 'node:inspector') continue;
    const us = profile.timeDeltas[index] ?? 0;
    const name = owner(id);
    byOwner.set(name, (byOwner.get(name) ?? 0) + us);
    total += us;
  }
  return {
    totalMs: Number((total / 1000).toFixed(1)),
    categories: [...byOwner.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([category, us]) => ({ category, ms: Number((us / 1000).toFixed(1)), share: Number(((us / total) * 100).toFixed(1)) })),
    functions: [],
  };
}

/** Profiles `run` in this process with the inspector's sampling profiler (100 µs interval). */
export async function profileInProcess(run: () => Promise<void>, intervalUs = 100): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
    await run();
    const { profile } = await session.post('Profiler.stop');
    return profile as unknown as CpuProfile;
  } finally {
    session.disconnect();
  }
}
