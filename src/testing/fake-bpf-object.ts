// A stand-in for the native BPF object (src/kernel/native.ts) for tests without root or a
// kernel. Its programs and failures are scripted (load or attach refused as the addon refuses
// them), what is done to it before load is recorded, and its maps are held in memory: what user
// space does with the maps (the policy engine's generations, counters and aggregation drains)
// runs for real, and the kernel's side of a test is what the test itself writes into them.
import type { NativeBpfObject, ProgramInfo } from '../kernel/native.js';

/** What an object holds and how it fails. */
export interface BpfObjectScript {
  programs: { name: string; section: string }[];
  /** Thrown by load() or attach(), as the addon throws: an Error with a code. */
  loadError?: string;
  attachError?: string;
}

export class FakeBpfObject implements NativeBpfObject {
  readonly autoload = new Map<string, boolean>();
  /** What was done to the object before it was loaded, in order. */
  readonly calls: string[] = [];
  closed = false;
  readonly script: BpfObjectScript;
  private readonly maps = new Map<string, Map<string, Buffer>>();

  constructor(script: BpfObjectScript = { programs: [] }) {
    this.script = { ...script };
    for (const p of script.programs) this.autoload.set(p.name, true);
  }

  setGlobal(name: string): void {
    this.calls.push(`global ${name}`);
  }
  setMaxEntries(map: string): void {
    this.calls.push(`size ${map}`);
  }
  reuseMap(map: string): void {
    this.calls.push(`share ${map}`);
  }
  setAutoload(program: string, autoload: boolean): void {
    this.autoload.set(program, autoload);
  }
  load(): void {
    if (this.script.loadError) this.fail(this.script.loadError);
    this.calls.push('load');
  }
  attach(): string[] {
    if (this.script.attachError) this.fail(this.script.attachError);
    return [...this.autoload].filter(([, on]) => on).map(([name]) => name);
  }
  detach(): void {}
  close(): void {
    this.closed = true;
  }
  programs(): ProgramInfo[] {
    return this.script.programs.map((p) => ({
      ...p,
      autoload: this.autoload.get(p.name) ?? false,
      attached: false,
      id: 0,
    }));
  }

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

  private fail(message: string): never {
    throw Object.assign(new Error(message), { code: 'EPERM' });
  }
}
