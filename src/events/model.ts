// The typed internal event every stage after decode works on: a union by kind. Each domain's
// events are in their own file; what they refer to (process, origin, ...) is in references.ts.
import type { BenchEvent } from './bench-events.js';
import type { CredentialsChangeEvent } from './credentials-events.js';
import type { FileEvent } from './file-events.js';
import type { ModuleLoadEvent, ModuleUnloadEvent } from './module-events.js';
import type { NetworkEvent } from './network-events.js';
import type { PolicyEvent } from './policy-events.js';
import type { ExecEvent, ExitEvent, ForkEvent } from './process-events.js';

export type Event =
  | ExecEvent
  | ExitEvent
  | ForkEvent
  | FileEvent
  | NetworkEvent
  | CredentialsChangeEvent
  | ModuleLoadEvent
  | ModuleUnloadEvent
  | PolicyEvent
  | BenchEvent;
export type EventKind = Event['kind'];
