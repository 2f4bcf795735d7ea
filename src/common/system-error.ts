// Node's file-system errors read "ENOENT: no such file or directory, open '/x'"; ebpipe's
// messages name the operation and path themselves, so only the cause is kept.

const NODE_FS_MESSAGE = /^[A-Z0-9_]+: (.*?)(?:, \w+(?: '.*')?)?$/;

/** The cause of a system error, lower-case as the kernel says it: "no such file or directory". */
export function systemErrorReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return NODE_FS_MESSAGE.exec(message)?.[1] ?? message;
}
