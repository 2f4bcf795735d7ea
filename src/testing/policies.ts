// TracingPolicy YAML for tests and benchmarks: the document around a spec, a policy of one
// kprobe, security_file_open matched on its file, and the protected-secret policy most tests use.

/** A TracingPolicy named `name` whose spec is `spec` (YAML indented under `spec:`). */
export function tracingPolicy(name: string, spec: string): string {
  return ['apiVersion: cilium.io/v1alpha1', 'kind: TracingPolicy', 'metadata:', `  name: ${name}`, 'spec:', spec].join(
    '\n',
  );
}

/** A policy with one kprobe: `hook` is the YAML of the kprobe entry, indented under `kprobes:`. */
export function kprobePolicy(name: string, hook: string): string {
  return tracingPolicy(name, `  kprobes:\n${hook}`);
}

/** security_file_open with its file argument; `selectors` is YAML indented under `selectors:`. */
export function fileOpenPolicy(name: string, selectors: string): string {
  return kprobePolicy(
    name,
    `  - call: security_file_open
    syscall: false
    args:
    - index: 0
      type: file
    selectors:
${selectors}`,
  );
}

/** Protects `file` (security_file_open, matched on the file) from every binary but `allowed`. */
export function secretPolicy(name: string, file: string, allowed: string, actions: string, operator = 'Equal'): string {
  return fileOpenPolicy(
    name,
    `    - matchArgs:
      - index: 0
        operator: ${operator}
        values:
        - ${file}
      matchBinaries:
      - operator: NotIn
        values:
        - ${allowed}
      matchActions:
${actions}`,
  );
}
