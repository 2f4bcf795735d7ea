// Types for the native addon (native/src/addon.cc) and its loading. Options are
// normalised here so that the C++ side only checks types.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { nativeAddonPath } from '../common/paths.js';
import { EbpipeError } from '../common/errors.js';

export interface ProgramInfo {
  name: string;
  section: string;
  autoload: boolean;
  attached: boolean;
  /** Kernel program id once loaded (0 before), as `bpftool prog show` lists it. */
  id: number;
}

export interface NativeBpfObject {
  setGlobal(name: string, value: Buffer): void;
  setMaxEntries(map: string, entries: number): void;
  reuseMap(map: string, owner: NativeBpfObject): void;
  setAutoload(program: string, autoload: boolean): void;
  load(): void;
  attach(): string[];
  detach(): void;
  close(): void;
  programs(): ProgramInfo[];
  mapUpdate(map: string, key: Buffer, value: Buffer, flags?: number): void;
  /** Per-CPU maps return one 8-byte-aligned value per possible CPU. */
  mapLookup(map: string, key: Buffer): Buffer | null;
  mapDelete(map: string, key: Buffer): boolean;
  /** Every key of a hash or trie map when walked; entries added meanwhile may be missed. */
  mapKeys(map: string): Buffer[];
}

export interface RingReaderOptions {
  /** A batch closes at this many bytes... */
  batchBytes: number;
  /** ...or when its first record is this old. */
  latencyMs: number;
  /** Batches handed to JS and not yet released; past it the reader stops draining the ring. */
  maxInFlight: number;
}

export interface RingReaderStats {
  records: number;
  bytes: number;
  batches: number;
  creditWaits: number;
  creditWaitNs: number;
  oversized: number;
  discardedAtStop: number;
}

export interface NativeRingReader {
  /** Gives back the credit of one delivered batch. */
  release(): void;
  stats(): RingReaderStats;
  /** Resolves after the ring's last records were delivered (or counted as discarded). */
  stop(): Promise<void>;
}

export interface NativeAddon {
  BpfObject: new (path: string) => NativeBpfObject;
  RingReader: new (
    object: NativeBpfObject,
    map: string,
    options: RingReaderOptions,
    onBatch: (batch: Buffer, records: number) => void,
  ) => NativeRingReader;
  possibleCpus(): number;
  bootToRealtimeOffsetNs(): bigint;
  /** Who is connected at the other end of a Unix socket (SO_PEERCRED). */
  peerCredentials(fd: number): { pid: number; uid: number; gid: number };
  /** The major version of the Node.js whose headers the addon was built with. */
  builtForNodeMajor: number;
}

export class NativeAddonError extends EbpipeError {
  override readonly name = 'NativeAddonError';
  constructor(message: string) {
    super('NATIVE_ADDON_MISSING', 'opening', message);
  }
}

let addon: NativeAddon | undefined;

export function loadNativeAddon(): NativeAddon {
  if (addon) return addon;
  if (!existsSync(nativeAddonPath)) {
    throw new NativeAddonError(`loading native addon: ${nativeAddonPath} not found (run \`make native\`)`);
  }
  const loaded = createRequire(import.meta.url)(nativeAddonPath) as NativeAddon;
  // N-API is stable across versions, so the loader would take it: the check is ours.
  const running = Number(process.versions.node.split('.')[0]);
  if (loaded.builtForNodeMajor !== running) {
    throw new NativeAddonError(
      `loading native addon: ${nativeAddonPath} was built for Node.js ${loaded.builtForNodeMajor}, ` +
        `this is Node.js ${process.versions.node} (${process.execPath}): run ebpipe with bin/ebpipe, ` +
        'or rebuild with scripts/setup.sh',
    );
  }
  addon = loaded;
  return addon;
}
