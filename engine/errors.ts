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
  /** Always `'WeirError'`. */
  override readonly name = 'WeirError';
  /** Stable numeric code (see ErrorCodes). */
  readonly code: number;
  /** The code's name, e.g. `CONTINUITY_ERROR`. */
  readonly codeName: string;
  /** `fatal`: the stream stopped; `recoverable`: it was repaired and goes on (a `warning`). */
  readonly severity: Severity;
  /** MP4 track id (1 = video, 2 and up = audio), when the problem belongs to one track. */
  readonly track: number | undefined;
  /** Byte offset in the input where the problem was found, when known. */
  readonly offset: number | undefined;
  /** A number that qualifies the code (bytes skipped, PID, stream_type...; see ErrorCodes). */
  readonly detail: number | undefined;
  /** Media time (seconds on the output timeline) of the access unit being read when a repair was made. */
  readonly time: number | undefined;

  /**
   * @param code - a value of ErrorCodes; the severity follows from it unless `context.severity` says otherwise
   * @param message - what happened, in words; the code's name and number are put before it
   * @param context - where it happened, and the cause
   */
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

  /** The error again from its `toJSON()` form (e.g. after postMessage), message and context unchanged. */
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

/** A WeirError as a plain object (`toJSON()`), which postMessage can carry; fields as in WeirError. */
export interface SerializedError {
  /** See WeirError.code. */
  code: number;
  /** See WeirError.codeName. */
  codeName: string;
  /** See WeirError.severity. */
  severity: Severity;
  /** The error's message, with its code's name and number. */
  message: string;
  /** See WeirError.track. */
  track: number | undefined;
  /** See WeirError.offset. */
  offset: number | undefined;
  /** See WeirError.detail. */
  detail: number | undefined;
  /** See WeirError.time. */
  time?: number | undefined;
}

/**
 * A bad option given to the Player or the Engine: a programming error, so a TypeError (like the
 * platform's own APIs throw), naming the option, with the stable code INVALID_OPTION (306).
 */
export class WeirOptionError extends TypeError {
  /** Always `'WeirOptionError'`. */
  override readonly name = 'WeirOptionError';
  /** Always 306, ErrorCodes.INVALID_OPTION. */
  readonly code = 306;
  /** Always `'INVALID_OPTION'`. */
  readonly codeName = 'INVALID_OPTION';
  /** The option that was wrong. */
  readonly option: string;

  /**
   * @param option - the option's name, e.g. `liveTargetLatency`
   * @param message - what is wrong with it, e.g. `must be a number`
   */
  constructor(option: string, message: string) {
    super(`weir: option ${option} ${message}`);
    this.option = option;
  }
}
