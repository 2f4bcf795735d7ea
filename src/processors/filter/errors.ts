import { EbpipeError } from '../../common/errors.js';

/** Where an expression starts inside the file that holds it (1-based), so errors can point into that file. */
export interface SourceOrigin {
  readonly file?: string;
  readonly line: number;
  readonly column: number;
}

export type FilterErrorCode = 'FILTER_SYNTAX' | 'FILTER_UNKNOWN_FIELD' | 'FILTER_BAD_REGEX';

/** A condition that cannot be parsed or compiled; `line`/`column` are already shifted by the origin. */
export class FilterExpressionError extends EbpipeError {
  override readonly name = 'FilterExpressionError';
  declare readonly code: FilterErrorCode;

  /** @param reason the message without its position, for callers that format positions themselves */
  constructor(
    code: FilterErrorCode,
    readonly reason: string,
    readonly file: string | undefined,
    readonly line: number,
    readonly column: number,
  ) {
    const where = file === undefined ? `${line}:${column}` : `${file}:${line}:${column}`;
    super(code, 'configuring', `${reason} at ${where}`);
  }
}

export interface SourcePosition {
  readonly file: string | undefined;
  readonly line: number;
  readonly column: number;
}

/**
 * The file position of `offset` (0-based) in `source`. Every line of the expression is shifted by the
 * origin's column, which is exact for single-line plain scalars and for YAML block scalars (`|`), whose
 * lines share one indentation.
 */
export function locate(source: string, offset: number, origin: SourceOrigin | undefined): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = offset - lineStart + 1;
  if (origin === undefined) return { file: undefined, line, column };
  return {
    file: origin.file,
    line: origin.line + line - 1,
    column: origin.column + column - 1,
  };
}

export function expressionError(
  code: FilterErrorCode,
  reason: string,
  source: string,
  offset: number,
  origin: SourceOrigin | undefined,
): FilterExpressionError {
  const { file, line, column } = locate(source, offset, origin);
  return new FilterExpressionError(code, reason, file, line, column);
}
