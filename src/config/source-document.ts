// A parsed pipeline file that still knows where everything was written: YAML errors become
// positioned issues, and any key path can be turned back into file:line:col.
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type Scalar,
} from 'yaml';
import type { ConfigOrigin } from '../pipeline/component.js';
import { formatPath, type ConfigIssue, type ConfigPath } from './config-error.js';

/** Which part of a `key: value` pair an issue points at. */
export type Anchor = 'key' | 'value';

/** A problem found at a path, before it is given a position. */
export interface Problem {
  path: ConfigPath;
  anchor: Anchor;
  message: string;
}

interface Found {
  /** The key node of the last path segment that exists, if it is a mapping key. */
  key: Node | undefined;
  /** The node the deepest existing segment leads to. */
  value: Node | undefined;
  /** True when the whole path exists. */
  complete: boolean;
}

export class SourceDocument {
  private readonly lines = new LineCounter();
  readonly yaml: Document.Parsed;
  /** YAML syntax errors, positioned; after any of them the tree is only a guess, not worth validating. */
  readonly syntaxIssues: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    // Duplicate keys are found by document-values.ts, which can point at the second key itself.
    this.yaml = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: false });
    // Only the first syntax error: the parser's later ones mostly follow from it.
    const first = this.yaml.errors[0];
    if (first) {
      const more = this.yaml.errors.length - 1;
      const rest = more === 0 ? '' : ` (and ${more} more YAML ${more === 1 ? 'error' : 'errors'} after it)`;
      const hint = text[first.pos[0] - 1] === '$' ? ' (quote a value holding ${...} inside { } or [ ])' : '';
      this.syntaxIssues.push(
        this.issueAtOffset(
          first.pos[0],
          this.pathAtOffset(first.pos[0]),
          `${yamlMessage(first.message)}${hint}${rest}`,
        ),
      );
    }
    for (const w of this.yaml.warnings) {
      this.warnings.push(this.issueAtOffset(w.pos[0], this.pathAtOffset(w.pos[0]), yamlMessage(w.message)));
    }
  }

  get root(): Node | null {
    return this.yaml.contents;
  }

  position(offset: number): ConfigOrigin {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  issueAtOffset(offset: number, path: ConfigPath, message: string): ConfigIssue {
    return { ...this.position(offset), path: formatPath(path), message };
  }

  /**
   * An issue about `path`: at its key (unknown keys, and anything about a mapping or list as a
   * whole) or at its value (wrong values). A path that does not exist points at its deepest
   * existing ancestor's key.
   */
  issue(path: ConfigPath, anchor: Anchor, message: string): ConfigIssue {
    return { ...this.locate(path, anchor), path: formatPath(path), message };
  }

  /** `problem`, whose path is relative to `base`, as an issue. */
  issueFor(problem: Problem, base: ConfigPath = []): ConfigIssue {
    return this.issue([...base, ...problem.path], problem.anchor, problem.message);
  }

  locate(path: ConfigPath, anchor: Anchor): ConfigOrigin {
    return this.position(this.offsetOf(path, anchor, false));
  }

  /**
   * Where the text of the value at `path` starts: inside the quotes of a quoted string and on the
   * first content line of a block scalar, so that a position inside the string (a filter
   * expression, a regex) can be added to it. Keys and collections as in `locate`.
   */
  contentOrigin(path: ConfigPath): ConfigOrigin {
    return this.position(this.offsetOf(path, 'value', true));
  }

  private offsetOf(path: ConfigPath, anchor: Anchor, content: boolean): number {
    const found = this.find(path);
    const keyOffset = found.key?.range?.[0];
    const value = found.value;
    const valueIsText = value !== undefined && isScalar(value) && !isEmpty(value);
    if (found.complete && anchor === 'value' && valueIsText) {
      return content ? this.contentStart(value) : (value.range?.[0] ?? 0);
    }
    return keyOffset ?? value?.range?.[0] ?? 0;
  }

  private contentStart(node: Scalar): number {
    const start = node.range?.[0] ?? 0;
    switch (node.type) {
      case 'QUOTE_DOUBLE':
      case 'QUOTE_SINGLE':
        return start + 1;
      case 'BLOCK_LITERAL':
      case 'BLOCK_FOLDED': {
        // The content starts after the header line, at the first non-blank line's indentation.
        const end = node.range?.[1] ?? this.text.length;
        let i = this.text.indexOf('\n', start) + 1;
        while (i > 0 && i < end) {
          let j = i;
          while (this.text[j] === ' ') j++;
          if (this.text[j] !== '\n' && this.text[j] !== '\r') return j;
          i = this.text.indexOf('\n', j) + 1;
        }
        return start;
      }
      default:
        return start;
    }
  }

  /** Follows `path` from the root as far as it exists. */
  private find(path: ConfigPath): Found {
    let node: Node | undefined = this.resolve(this.root ?? undefined);
    let key: Node | undefined;
    for (const segment of path) {
      let next: { key: Node | undefined; value: Node | undefined } | undefined;
      if (isMap(node) && typeof segment === 'string') {
        const pair = node.items.find((p) => keyText(p.key) === segment);
        if (pair) next = { key: pair.key as Node, value: (pair.value as Node | null) ?? undefined };
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (item) next = { key: undefined, value: item };
      }
      if (!next) return { key, value: node, complete: false };
      key = next.key ?? next.value;
      node = this.resolve(next.value);
    }
    return { key, value: node, complete: true };
  }

  private resolve(node: Node | undefined): Node | undefined {
    const seen = new Set<Node>();
    while (node !== undefined && isAlias(node) && !seen.has(node)) {
      seen.add(node);
      node = node.resolve(this.yaml);
    }
    return node;
  }

  /** The key path of the deepest key or value that contains `offset`. */
  pathAtOffset(offset: number): ConfigPath {
    const path: (string | number)[] = [];
    let node: unknown = this.root;
    for (;;) {
      if (isMap(node)) {
        // From the key to the end of the value, tags and anchors between them included.
        const pair = node.items.find((p) => {
          const start = (p.key as Node | null)?.range?.[0];
          const end = ((p.value ?? p.key) as Node | null)?.range?.[1];
          return start !== undefined && end !== undefined && start <= offset && offset <= end;
        });
        if (!pair) return path;
        path.push(keyText(pair.key) ?? '?');
        if (!contains(pair.value, offset)) return path;
        node = pair.value;
      } else if (isSeq(node)) {
        const index = node.items.findIndex((item) => contains(item, offset));
        if (index < 0) return path;
        path.push(index);
        node = node.items[index];
      } else {
        return path;
      }
    }
  }
}

/** The text of a scalar key; undefined for a key that is a mapping or a list. */
export function keyText(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  const v = key.value;
  if (v === null) return '';
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** A scalar with no source text, as in `decode:` with nothing after the colon. */
export function isEmpty(node: Scalar): boolean {
  return node.value === null && node.range?.[0] === node.range?.[1];
}

function contains(node: unknown, offset: number): boolean {
  const range = (node as Node | null)?.range;
  return range !== undefined && range !== null && range[0] <= offset && offset <= range[1];
}

/** yaml's messages, in this project's style: lower-case first word, no advice about its own API. */
function yamlMessage(message: string): string {
  const text = message.replace(/; please use YAML\.parseAllDocuments\(\)/, ' (one pipeline per file)');
  return text.charAt(0).toLowerCase() + text.slice(1);
}
