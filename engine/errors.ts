import { codeName, isFatalCode } from './codes.js';

/** Whether the stream goes on after the problem (`recoverable`) or stops (`fatal`). */
export type Severity = 'recoverable' | 'fatal';

/** Where a problem happened, as far as it is known. */
export interface ErrorContext {
  /** MP4 track id (1 = video, 2 = audio), when the problem belongs to one track. */
  track?: number;
  /** Byte offset in the input where the problem was found. */
  offset?: number;
  /** A number that qualifies the code (bytes skipped, PID, stream_type...; see ErrorCodes). */
  detail?: number;
  /** Media time (seconds on the output timeline) of the access unit being read when a repair was made. */
  time?: number;
  /** The underlying error, when another component raised it. */
  cause?: unknown;
  /** Overrides the code's default severity (e.g. one unsupported track among playable ones). */
  severity?: Severity;
}

/** The one error type weir raises and reports: a stable numeric code, its name, and a severity. */
export class WeirError extends Error {
  override readonly name = 'WeirError';
  /** Stable numeric code (see ErrorCodes). */
  readonly code: number;
  /** The code's name, e.g. `CONTINUITY_ERROR`. */
  readonly codeName: string;
  readonly severity: Severity;
  readonly track: number | undefined;
  readonly offset: number | undefined;
  readonly detail: number | undefined;
  readonly time: number | undefined;

  constructor(code: number, message: string, context: ErrorContext = {}) {
    super(
      `${codeName(code)} (${code}): ${message}`,
      context.cause === undefined ? undefined : { cause: context.cause },
    );
    this.code = code;
    this.codeName = codeName(code);
    this.severity = context.severity ?? (isFatalCode(code) ? 'fatal' : 'recoverable');
    this.track = context.track;
    this.offset = context.offset;
    this.detail = context.detail;
    this.time = context.time;
  }

  /** A plain object that survives postMessage (structured clone drops class identity). */
  toJSON(): SerializedError {
    return {
      code: this.code,
      codeName: this.codeName,
      severity: this.severity,
      message: this.message,
      track: this.track,
      offset: this.offset,
      detail: this.detail,
      time: this.time,
    };
  }

  static fromJSON(e: SerializedError): WeirError {
    const err = new WeirError(e.code, '', {
      track: e.track,
      offset: e.offset,
      detail: e.detail,
      severity: e.severity,
      ...(e.time === undefined ? {} : { time: e.time }),
    });
    err.message = e.message;
    return err;
  }
}

export interface SerializedError {
  code: number;
  codeName: string;
  severity: Severity;
  message: string;
  track: number | undefined;
  offset: number | undefined;
  detail: number | undefined;
  time?: number | undefined;
}

/**
 * A bad option given to the Player or the Engine: a programming error, so a TypeError (like the
 * platform's own APIs throw), naming the option, with the stable code INVALID_OPTION (306).
 */
export class WeirOptionError extends TypeError {
  override readonly name = 'WeirOptionError';
  readonly code = 306;
  readonly codeName = 'INVALID_OPTION';
  /** The option that was wrong. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(`weir: option ${option} ${message}`);
    this.option = option;
  }
}
