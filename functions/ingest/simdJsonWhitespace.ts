import { JSON_WHITESPACE_WASM } from './jsonWhitespaceWasm.ts';

/**
 * The WebAssembly SIMD versions of firstJsonWhitespace and removeJsonWhitespaceInPlace
 * (jsonWhitespace.wat): 64 bytes a step instead of one. The scan is on the path of every forged
 * request (it decides whether a second HMAC is needed), where the plain loop cost a third as much
 * as the one HMAC the benchmark's floor computes; the compaction, on the path of every body that
 * is not compact, cost more than an HMAC (BENCHMARKS.md §1).
 *
 * WebAssembly reads only its own memory, so the bytes must be written there: the module's first
 * page is the *scan area*, a 64 KiB buffer the signature check uses as its scratch space for a
 * text body's UTF-8 bytes. Bytes anywhere else are handled by the plain loops.
 *
 * Compiling the module costs 1-2 ms, so it is loaded on first need (the first body whose raw
 * signature did not match), not on the cold start of a function whose webhooks arrive compact and
 * correctly signed.
 */
export const SCAN_AREA_BYTES = 64 * 1024;

/**
 * The part of the WebAssembly JavaScript API used here: TypeScript declares it in the DOM library,
 * which this Node project does not load, and @types/node does not.
 */
interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: object };
}
const { Module, Instance } = (globalThis as unknown as { readonly WebAssembly: WebAssemblyApi }).WebAssembly;

interface ScannerExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  /** The offset from `start` of the first whitespace byte outside strings, or -1. */
  firstJsonWhitespace(start: number, length: number): number;
  /** Removes the whitespace outside strings in place; returns the new length. */
  removeJsonWhitespace(start: number, length: number): number;
}

/** The module's exports, or undefined when this runtime cannot compile it (no WebAssembly SIMD). */
export function instantiateJsonWhitespaceModule(bytes: Uint8Array): ScannerExports | undefined {
  try {
    return new Instance(new Module(bytes)).exports as ScannerExports;
  } catch {
    return undefined;
  }
}

let loadAttempted = false;
let scanner: ScannerExports | undefined;
// The memory never grows (its maximum is its initial size), so its ArrayBuffer never changes.
let memoryBuffer: ArrayBuffer | undefined;
let scanArea: Buffer | undefined;

/**
 * Compiles and instantiates the module, once. Were that to fail, the plain loops go on doing the
 * work: a runtime without WebAssembly SIMD is slower, never wrong, and never refuses a request.
 */
export function loadSimdScanner(): void {
  if (loadAttempted) return;
  loadAttempted = true;
  scanner = instantiateJsonWhitespaceModule(Buffer.from(JSON_WHITESPACE_WASM, 'base64'));
  if (!scanner) return;
  memoryBuffer = scanner.memory.buffer;
  scanArea = Buffer.from(scanner.memory.buffer, 0, SCAN_AREA_BYTES);
}

/** The scan area once the scanner is loaded: bytes written there are scanned with SIMD. */
export const simdScanArea = (): Buffer | undefined => scanArea;

/** firstJsonWhitespace of bytes in the scan area; undefined for bytes anywhere else. */
export function simdFirstJsonWhitespace(bytes: Uint8Array): number | undefined {
  if (bytes.buffer !== memoryBuffer || scanner === undefined) return undefined;
  return scanner.firstJsonWhitespace(bytes.byteOffset, bytes.length);
}

/**
 * removeJsonWhitespaceInPlace of bytes in the scan area; undefined for bytes anywhere else. `from`
 * is where to start (0, or the first whitespace outside strings, already found): the bytes before
 * it stay as they are and are not scanned again.
 */
export function simdRemoveJsonWhitespaceInPlace(bytes: Buffer, from = 0): Buffer | undefined {
  if (bytes.buffer !== memoryBuffer || scanner === undefined) return undefined;
  return bytes.subarray(0, from + scanner.removeJsonWhitespace(bytes.byteOffset + from, bytes.length - from));
}
