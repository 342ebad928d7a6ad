// AssemblyScript's abort (wired in asconfig.json "use"): a broken internal invariant ends the
// instance with a trap, which the engine reports as a fatal error and replaces with a fresh one.
// The core never reaches it on bad input; it reports that through status codes and events.

export function abortHandler(message: usize, fileName: usize, line: u32, column: u32): void {
  unreachable();
}
