// Keeps secrets out of text that leaves a component (log lines, error messages): a client library's
// message may quote what it was given, so every such text passes through the scrubber first.

/** Replaces each occurrence of a secret (and of its base64 form, as SASL PLAIN carries it) with `***`. */
export function secretScrubber(secrets: readonly string[]): (text: string) => string {
  const forms = secrets
    .filter((s) => s.length > 0)
    .flatMap((s) => [s, Buffer.from(s).toString('base64')])
    .sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const form of forms) out = out.split(form).join('***');
    return out;
  };
}
