// The memory map of the core: every fixed region the engine and the core share, in one place.
//
// The core never allocates after init(): all state lives in these regions, which are laid out once
// at fixed offsets above the AssemblyScript static data. engine/layout.ts reads the same numbers
// through the exported getters in index.ts, so nothing here is duplicated on the host side.
//
// Sizes are chosen for the worst streams we accept: a 4K intra frame (several MB) must fit in the
// video PES buffer, and a whole GOP of 1080p at 20 Mbit/s must fit in the video sample store before
// the remuxer is forced to cut a fragment early (it then cuts, it never drops).

/** Maximum number of output tracks (slot 0 is always video, 1.. audio). */
export const MAX_TRACKS: i32 = 4;
/** Maximum samples buffered per track before a fragment is forced. */
export const MAX_SAMPLES: i32 = 16384;

export const KiB: u32 = 1024;
export const MiB: u32 = 1024 * 1024;

/** Start of the regions; everything below is AssemblyScript's static data (asserted in init). */
export const REGION_BASE: u32 = 1 * MiB;

/** Input: the engine writes chunks here (after any bytes carried over from the last call). */
export const INPUT_CAPACITY: u32 = 1 * MiB;
export const INPUT_BASE: u32 = REGION_BASE;

/** Event records: EVENT_SLOTS f64 each, read by engine/events.ts. */
export const EVENT_SLOTS: u32 = 8;
export const EVENT_SIZE: u32 = EVENT_SLOTS * 8;
export const MAX_EVENTS: u32 = 4096;
export const EVENTS_BASE: u32 = INPUT_BASE + INPUT_CAPACITY + 4 * KiB;

/** Track info table: one TRACK_INFO_SIZE record per track (see track.ts for the field offsets). */
export const TRACK_INFO_SIZE: u32 = 256;
export const TRACK_INFO_BASE: u32 = EVENTS_BASE + MAX_EVENTS * EVENT_SIZE;

/** Codec configuration bytes per track (SPS, PPS, AudioSpecificConfig...). */
export const CONFIG_CAPACITY: u32 = 8 * KiB;
export const CONFIG_BASE: u32 = TRACK_INFO_BASE + <u32>MAX_TRACKS * TRACK_INFO_SIZE;

/** Scratch for RBSP (emulation-prevention bytes removed) of parameter sets. */
export const SCRATCH_CAPACITY: u32 = 64 * KiB;
export const SCRATCH_BASE: u32 = CONFIG_BASE + <u32>MAX_TRACKS * CONFIG_CAPACITY;

/** PID table: per PID one byte of routing (see mpegts/demux.ts) and one byte of continuity state. */
export const PID_TABLE_BASE: u32 = SCRATCH_BASE + SCRATCH_CAPACITY;
export const PID_TABLE_SIZE: u32 = 8192 * 2;

/** PSI section assembly (PAT, PMT): up to 1024 bytes each (ISO/IEC 13818-1 2.4.4: section_length <= 1021). */
export const PSI_CAPACITY: u32 = 1024;
export const PSI_BASE: u32 = PID_TABLE_BASE + PID_TABLE_SIZE;

/** PSI section buffers: PAT, PMT and SCTE-35 (see mpegts/demux.ts psiPayload). */
export const PSI_BUFFERS: u32 = 3;

/** Copies of a PAT/PMT section that failed its CRC_32, for a majority vote (see mpegts/demux.ts psiAppend). */
export const PSI_VOTES: u32 = 3;
export const PSI_VOTE_BASE: u32 = PSI_BASE + PSI_BUFFERS * PSI_CAPACITY;

/** Timed metadata (mpegts/metadata.ts): one ID3 PES being assembled, and records held until output starts. */
export const METADATA_PES_CAPACITY: u32 = 64 * KiB;
export const METADATA_PES_BASE: u32 = PSI_VOTE_BASE + PSI_VOTES * PSI_CAPACITY;
export const METADATA_HELD_CAPACITY: u32 = 64 * KiB;
export const METADATA_HELD_BASE: u32 = METADATA_PES_BASE + METADATA_PES_CAPACITY;

/**
 * Programs of the PAT (mpegts/demux.ts): per program [u16 program_number][u16 PMT PID][u32 flags][u32 stream
 * count][MAX_PROGRAM_STREAMS × u32 (stream_type << 16 | elementary_PID)], read by the engine (probe lists them).
 */
export const MAX_PROGRAMS: u32 = 16;
export const MAX_PROGRAM_STREAMS: u32 = 16;
export const PROGRAM_ENTRY: u32 = 12 + MAX_PROGRAM_STREAMS * 4;
export const PROGRAMS_BASE: u32 = METADATA_HELD_BASE + METADATA_HELD_CAPACITY;
/** A PMT kept while the default choice waits for a program with video (see demux.ts pmt). */
export const CANDIDATE_PMT_BASE: u32 = PROGRAMS_BASE + MAX_PROGRAMS * PROGRAM_ENTRY;

/** cc_data of the video access unit being demuxed (captions; 31 triplets per SEI, a few SEI per picture). */
export const CAPTIONS_CAPACITY: u32 = 4 * KiB;
export const CAPTIONS_BASE: u32 = CANDIDATE_PMT_BASE + PSI_CAPACITY;

/** Audio frame carried across PES boundaries, per track (an ADTS frame is at most 8191 bytes). */
export const CARRY_CAPACITY: u32 = 8 * KiB;
export const CARRY_BASE: u32 = CAPTIONS_BASE + CAPTIONS_CAPACITY;

/** Per-track sample tables, struct of arrays (see remux/samples.ts). */
export const SAMPLE_TABLE_STRIDE: u32 = 32; // bytes per sample across all columns
export const SAMPLE_TABLE_SIZE: u32 = <u32>MAX_SAMPLES * SAMPLE_TABLE_STRIDE;
export const SAMPLE_TABLE_BASE: u32 = CARRY_BASE + <u32>MAX_TRACKS * CARRY_CAPACITY;

/** PES reassembly buffer per track. */
export const VIDEO_PES_CAPACITY: u32 = 8 * MiB;
export const AUDIO_PES_CAPACITY: u32 = 256 * KiB;
/** Sample data store per track (length-prefixed NAL units, raw audio frames). */
export const VIDEO_DATA_CAPACITY: u32 = 16 * MiB;
export const AUDIO_DATA_CAPACITY: u32 = 2 * MiB;

export const PES_BASE: u32 = SAMPLE_TABLE_BASE + <u32>MAX_TRACKS * SAMPLE_TABLE_SIZE;
export const DATA_BASE: u32 = PES_BASE + VIDEO_PES_CAPACITY + <u32>(MAX_TRACKS - 1) * AUDIO_PES_CAPACITY;

/** Output: init segments and fragments produced by one call; consumed by the engine before the next. */
export const OUTPUT_BASE: u32 = DATA_BASE + VIDEO_DATA_CAPACITY + <u32>(MAX_TRACKS - 1) * AUDIO_DATA_CAPACITY;
// One cut emits at most everything queued in the data stores; a call stops taking input once it
// has written OUTPUT_BUDGET, so one more cut always fits.
export const OUTPUT_CAPACITY: u32 = VIDEO_DATA_CAPACITY + <u32>(MAX_TRACKS - 1) * AUDIO_DATA_CAPACITY + 4 * MiB;

/** Output a call may write before it stops taking input: what is left always holds one cut. */
export const OUTPUT_BUDGET: u32 = OUTPUT_CAPACITY - (VIDEO_DATA_CAPACITY + <u32>(MAX_TRACKS - 1) * AUDIO_DATA_CAPACITY + 2 * MiB);

/**
 * Packets of PIDs no PMT has declared yet, held until the first PMT arrives (a stream may start before its
 * PAT/PMT: mux.js test-middle-pat-pmt.ts opens with a whole IDR frame). A ring of HOLD_PACKETS slots, each
 * [f64 input offset][188-byte packet]; the newest packets win when it is full.
 */
export const HOLD_PACKETS: u32 = 1024;
export const HOLD_SLOT: u32 = 8 + 188;
export const HOLD_BASE: u32 = OUTPUT_BASE + OUTPUT_CAPACITY;

/** The last packet with payload of each track, to tell a real duplicate (13818-1 2.4.3.3) from a loss of 16. */
export const LAST_PACKET_BASE: u32 = HOLD_BASE + HOLD_PACKETS * HOLD_SLOT;

/** Matroska (matroska/tracks.ts): the Tracks element's payload, kept for the CodecPrivate bytes in it. */
export const MKV_TRACKS_CAPACITY: u32 = 256 * KiB;
export const MKV_TRACKS_BASE: u32 = LAST_PACKET_BASE + <u32>MAX_TRACKS * 188;

/**
 * Matroska video frames waiting for their decode time (matroska/video.ts): Matroska stores presentation
 * times only, and a frame's decode time is known once the frames that follow it within the codec's
 * reordering depth have arrived.
 */
export const REORDER_CAPACITY: u32 = 8 * MiB;
export const REORDER_BASE: u32 = MKV_TRACKS_BASE + MKV_TRACKS_CAPACITY;

/**
 * Matroska track entries as the host sees them (matroska/tracks.ts): per entry [u32 TrackNumber][u32 TrackType]
 * [u32 codec (codes.ts Codec, 0: unknown CodecID)][i32 output slot, -1: not output]. Read by the engine.
 */
export const MKV_ENTRY_SIZE: u32 = 16;
export const MKV_ENTRIES_CAPACITY: u32 = 32;
export const MKV_ENTRIES_BASE: u32 = REORDER_BASE + REORDER_CAPACITY;

/**
 * Matroska Cues (matroska/cues.ts): the bytes of a Cues element the host fetched, and the table parsed from them,
 * per entry [f64 time, seconds][f64 absolute byte position of the Cluster].
 */
export const CUES_INPUT_CAPACITY: u32 = 1 * MiB;
export const CUES_INPUT_BASE: u32 = MKV_ENTRIES_BASE + MKV_ENTRIES_CAPACITY * MKV_ENTRY_SIZE;
export const CUES_TABLE_ENTRY: u32 = 16;
export const CUES_TABLE_ENTRIES: i32 = 32768;
export const CUES_TABLE_BASE: u32 = CUES_INPUT_BASE + CUES_INPUT_CAPACITY;

export const MEMORY_END: u32 = CUES_TABLE_BASE + <u32>CUES_TABLE_ENTRIES * CUES_TABLE_ENTRY;

export function carryBase(slot: i32): u32 {
  return CARRY_BASE + <u32>slot * CARRY_CAPACITY;
}

export function pesBase(slot: i32): u32 {
  return slot == 0 ? PES_BASE : PES_BASE + VIDEO_PES_CAPACITY + <u32>(slot - 1) * AUDIO_PES_CAPACITY;
}

export function pesCapacity(slot: i32): u32 {
  return slot == 0 ? VIDEO_PES_CAPACITY : AUDIO_PES_CAPACITY;
}

export function dataBase(slot: i32): u32 {
  return slot == 0 ? DATA_BASE : DATA_BASE + VIDEO_DATA_CAPACITY + <u32>(slot - 1) * AUDIO_DATA_CAPACITY;
}

export function dataCapacity(slot: i32): u32 {
  return slot == 0 ? VIDEO_DATA_CAPACITY : AUDIO_DATA_CAPACITY;
}

export function configBase(slot: i32): u32 {
  return CONFIG_BASE + <u32>slot * CONFIG_CAPACITY;
}

export function trackInfoBase(slot: i32): u32 {
  return TRACK_INFO_BASE + <u32>slot * TRACK_INFO_SIZE;
}

export function sampleTableBase(slot: i32): u32 {
  return SAMPLE_TABLE_BASE + <u32>slot * SAMPLE_TABLE_SIZE;
}
