// A stand-in for the native BPF object (src/kernel/native.ts) whose maps are held in memory,
// so that what user space does with the maps (the policy engine's generations, counters and
// aggregation drains) runs in tests without root or a kernel. Nothing is loaded, attached or
// evaluated: the kernel's side of a test is what the test itself writes into the maps.
import type { NativeBpfObject, ProgramInfo } from '../kernel/native.js';

export class FakeBpfObject implements NativeBpfObject {
  private readonly maps = new Map<string, Map<string, Buffer>>();

  /** The entries of a map, by key in hex; per-CPU values as the native side returns them. */
  entries(map: string): Map<string, Buffer> {
    let entries = this.maps.get(map);
    if (!entries) this.maps.set(map, (entries = new Map<string, Buffer>()));
    return entries;
  }

  mapUpdate(map: string, key: Buffer, value: Buffer): void {
    this.entries(map).set(key.toString('hex'), Buffer.from(value));
  }

  mapLookup(map: string, key: Buffer): Buffer | null {
    const value = this.entries(map).get(key.toString('hex'));
    return value ? Buffer.from(value) : null;
  }

  mapDelete(map: string, key: Buffer): boolean {
    return this.entries(map).delete(key.toString('hex'));
  }

  mapKeys(map: string): Buffer[] {
    return [...this.entries(map).keys()].map((hex) => Buffer.from(hex, 'hex'));
  }

  // The object's life in the kernel: there is none.
  setGlobal(): void {}
  setMaxEntries(): void {}
  reuseMap(): void {}
  setAutoload(): void {}
  load(): void {}
  attach(): string[] {
    return [];
  }
  detach(): void {}
  close(): void {}
  programs(): ProgramInfo[] {
    return [];
  }
}
