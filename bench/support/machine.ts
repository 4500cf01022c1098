import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

/** What a result was measured on, written into every results file. */
export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly ramGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly arch: string;
  /** 1, 5 and 15 minute load averages when the benchmark started: the machine is shared. */
  readonly loadAverage: readonly number[];
}

export function machineInfo(): MachineInfo {
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    ramGiB: Number((totalmem() / 1024 ** 3).toFixed(1)),
    kernel: release(),
    node: process.version,
    arch: process.arch,
    loadAverage: loadavg().map((value) => Number(value.toFixed(2))),
  };
}
