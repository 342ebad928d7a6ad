// The audio frame header last parsed by one of the codec parsers (aac.ts, ac3.ts, mpa.ts, opus.ts):
// everything the framing in mpegts/audio.ts needs to cut, time and write frames, whatever the codec.
// A parser reads only [p, p + avail) and answers with a FrameParse value; on Header it has set every
// field below. The fields describe one frame only: a track's configuration is taken from the first
// frame by the codec's configure function.

/** Answer of a frame-header parser. */
export const enum FrameParse {
  NotHeader = 0, // the bytes at p cannot start a frame of this codec
  Header = 1, // a plausible header: the fields below are set
  NeedMore = 2, // avail is too short to decide (at most MAX_HEADER bytes are ever needed)
}

/** The most bytes any parser needs to decide (Opus control headers with long au_size runs included). */
export const MAX_HEADER: u32 = 64;

/** Bytes of the whole frame, header included: the next frame starts this far after p. */
export let frameLength: u32 = 0;
/** Leading bytes that are not part of the MP4 sample (the ADTS header, an Opus control header). */
export let frameSkip: u32 = 0;
/** PCM samples per channel in the frame, at frameRate. 0: the frame joins the previous sample (an E-AC-3 dependent substream). */
export let frameSamples: u32 = 0;
/** Sampling rate, Hz. */
export let frameRate: u32 = 0;
/** Output channels (0: not said by the frame; the track's configuration decides). */
export let frameChannels: u32 = 0;

export function setFrame(length: u32, skip: u32, samples: u32, rate: u32, channels: u32): void {
  frameLength = length;
  frameSkip = skip;
  frameSamples = samples;
  frameRate = rate;
  frameChannels = channels;
}
