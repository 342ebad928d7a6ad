// MPEG-TS demuxer (ISO/IEC 13818-1): packet synchronisation, PAT/PMT, PES reassembly and
// continuity checking. It hands complete PES payloads to video.ts / audio.ts.
//
// Chunk safety (DESIGN.md §2): every decision depends only on the bytes, never on where a chunk
// ended. A packet is examined only when its bytes (and, while searching for sync, the look-ahead
// the search needs) are all present; otherwise the bytes wait in the input region for the next call.

import {
  HOLD_BASE,
  HOLD_PACKETS,
  HOLD_SLOT,
  INPUT_BASE,
  LAST_PACKET_BASE,
  MAX_EVENTS,
  MAX_TRACKS,
  OUTPUT_BUDGET,
  PID_TABLE_BASE,
  PSI_BASE,
  PSI_BUFFERS,
  PSI_CAPACITY,
  PSI_VOTE_BASE,
  PSI_VOTES,
  CANDIDATE_PMT_BASE,
  MAX_PROGRAM_STREAMS,
  MAX_PROGRAMS,
  PROGRAM_ENTRY,
  PROGRAMS_BASE,
  pesBase,
  pesCapacity,
} from '../layout';
import { Codec, Fatal, TrackKind, Warn } from '../codes';
import { emitWarning, eventCount, setByteOffset, setMediaTime } from '../events';
import { crc32mpeg } from '../util/crc32';
import { outputLength } from '../mp4/writer';
import { bytesEqual, u16be, u32be, u8at } from '../util/bytes';
import { clearTrack, codec, Info, infoU32, kind, pid, setInfoU32, state, TrackState } from '../remux/track';
import { announceVideoDts, isInitDone, markRestart, outputBase90k, raiseFatal, retimeLastVideoSample } from '../remux/remuxer';
import { readTimestamp, resetClock, unwrap } from './clock';
import { resetTimeline, retime, videoOffset } from './timeline';
import { flushMetadata, id3Lost, id3Payload, resetMetadata, scte35Section } from './metadata';
import { resetVideo, restartVideo, videoAccessUnit, videoCanContinue, videoPesLost } from './video';
import { audioLastDts90k, audioNextDts90k, audioPes, audioPesLost, audioTimed, detectAudioCodec, resetAudio } from './audio';

/** stream_type values (13818-1 Table 2-34, and the registered values used by broadcasters). */
export const enum StreamType {
  Mpeg1Audio = 0x03,
  Mpeg2Audio = 0x04,
  PrivateData = 0x06, // PES private data: DVB AC-3/E-AC-3, Opus; the descriptors say which
  AacAdts = 0x0f,
  AacLatm = 0x11,
  Metadata = 0x15, // 2.12.9: metadata carried in PES (HLS timed ID3)
  H264 = 0x1b,
  Hevc = 0x24,
  AtscAc3 = 0x81, // ATSC A/52 Annex A
  AtscEac3 = 0x87, // ATSC A/52 Annex G
  Scte35 = 0x86, // ANSI/SCTE 35 splice_info_section
}

/** descriptor_tag values read from the PMT's ES_info (13818-1 Table 2-45, ETSI EN 300 468 Table 12). */
const enum Descriptor {
  Registration = 0x05, // 2.6.8: format_identifier
  Language = 0x0a, // 2.6.18: ISO_639_language_descriptor
  DvbAc3 = 0x6a, // EN 300 468 D.3: AC-3_descriptor
  DvbEac3 = 0x7a, // EN 300 468 D.5: enhanced_AC-3_descriptor
  DvbExtension = 0x7f, // EN 300 468 6.2.16: extension_descriptor
}

/** format_identifier values of registration descriptors (SMPTE-RA). */
const enum Registration {
  Ac3 = 0x41432d33, // 'AC-3'
  Eac3 = 0x45414333, // 'EAC3'
  Opus = 0x4f707573, // 'Opus'
  Hevc = 0x48455643, // 'HEVC'
  Id3 = 0x49443320, // 'ID3 '
}

/** Extension descriptor tag of the Opus audio descriptor (Opus in MPEG-TS, ETSI TS 102 366-style 0x80 user-defined). */
const OPUS_EXTENSION: u32 = 0x80;

const SYNC: u32 = 0x47;
const PACKET: u32 = 188;

// PID routing (one byte per PID in the PID table); continuity state in the byte after it.
const ROUTE_NONE: u32 = 0;
const ROUTE_PAT: u32 = 1;
const ROUTE_PMT: u32 = 2;
const ROUTE_ID3: u32 = 3; // timed ID3 in PES (metadata.ts)
const ROUTE_SCTE35: u32 = 4; // SCTE 35 sections (metadata.ts)
const ROUTE_TRACK: u32 = 0x10; // + slot
const CC_NONE: u32 = 0xff;

/** Look-ahead the sync search needs: three packet starts at the candidate stride. */
const SYNC_PROBES: u32 = 3;
/** Bytes of input without a single packet after which the input is declared not MPEG-TS. */
const NOT_TS_LIMIT: f64 = 1024 * 1024;
/** findSync's answer when the limit passed without a packet. */
const NOT_TS: u32 = 0xfffffffe;

let stride: u32 = PACKET; // 188 (TS), 192 (M2TS: 4-byte prefix), 204 (Reed-Solomon suffix)
let inSync: bool = false;
let everSynced: bool = false;
let lostSince: f64 = 0; // input offset where sync was lost (or 0 at the start)
let consumed: f64 = 0; // input offset of INPUT_BASE
let totalBytes: f64 = 0;
/** Whether a PAT was read, the program whose PMT was taken, and the PID of the PSI packet in hand. */
let patSeen: bool = false;
let pmtProgram: i32 = -1;
let psiPid: u32 = 0;
let pmtVersion: i32 = -1;
/** The one audio track to output (its index among the outputtable audio tracks of the PMT), or -1: all. */
let audioSelection: i32 = -1;
/** Outputtable audio tracks met so far in the PMT being read. */
let audioInPmt: u32 = 0;
/** The program_number to play (init), or -1: the first with video. */
let programSelection: i32 = -1;
/** Programs in the programs table; the PMT kept as the default choice's candidate. */
let programCount: u32 = 0;
let candidateProgram: i32 = -1;
let candidateLength: u32 = 0;
let sniffed: bool = false;
/** Slot whose PES took the payload of the last packet (-1: none): damaged if sync is lost after it. */
let lastPacketSlot: i32 = -1;
/** Bytes of a 192/204-byte packet's prefix or suffix still to skip at the start of the next call. */
let skipNext: u32 = 0;
/** Set when the last call stopped early with whole packets left to demux. */
let deferredWork: bool = false;
/** Packets held before the first PMT (see HOLD_BASE), the next one to replay, and whether a replay is due. */
let held: u32 = 0;
let replayNext: u32 = 0;
let replaying: bool = false;

export function deferred(): bool {
  return deferredWork;
}

const pesLength = new StaticArray<u32>(MAX_TRACKS);
const pesActive = new StaticArray<bool>(MAX_TRACKS);
const pesDamaged = new StaticArray<bool>(MAX_TRACKS);
const pesExpected = new StaticArray<u32>(MAX_TRACKS);
/** Bytes of the PES collected before its first damage (what came before a gap is intact). */
const pesDamageAt = new StaticArray<u32>(MAX_TRACKS);

/** Marks the PES being collected as damaged from here on. */
function damage(slot: i32): void {
  if (unchecked(pesDamaged[slot])) return;
  unchecked((pesDamaged[slot] = true));
  unchecked((pesDamageAt[slot] = unchecked(pesLength[slot])));
}
const lastVideoDts = new StaticArray<i64>(MAX_TRACKS);
/** The last positive frame interval of each video track (90 kHz), and whether it has a time yet. */
const lastVideoStep = new StaticArray<u32>(MAX_TRACKS);
const videoTimed = new StaticArray<bool>(MAX_TRACKS);
/** The 33-bit DTS field of the last video PES queued as an access unit (-1: none), as it was read. */
const lastRawVideoDts = new StaticArray<i64>(MAX_TRACKS);
/** The decode time and frame interval before the last ones: to recognise one late timestamp. */
const prevVideoDts = new StaticArray<i64>(MAX_TRACKS);
const prevVideoStep = new StaticArray<u32>(MAX_TRACKS);
const psiLength = new StaticArray<u32>(PSI_BUFFERS);
const psiCollecting = new StaticArray<bool>(PSI_BUFFERS);
/** The PID whose section each buffer is collecting. */
const psiCollectPid = new StaticArray<u32>(PSI_BUFFERS);
/** Failed copies held for the vote (voteSection), and their length, per buffer. */
const psiVotes = new StaticArray<u32>(PSI_BUFFERS);
const psiBadLength = new StaticArray<u32>(PSI_BUFFERS);

export function resetDemuxer(audioTrack: i32, program: i32): void {
  audioSelection = audioTrack;
  programSelection = program;
  programCount = 0;
  candidateProgram = -1;
  candidateLength = 0;
  stride = PACKET;
  lastPacketSlot = -1;
  skipNext = 0;
  inSync = false;
  everSynced = false;
  lostSince = 0;
  consumed = 0;
  totalBytes = 0;
  patSeen = false;
  pmtProgram = -1;
  psiPid = 0;
  pmtVersion = -1;
  sniffed = false;
  held = 0;
  replayNext = 0;
  replaying = false;
  memory.fill(PID_TABLE_BASE, 0, 8192 * 2);
  for (let i: u32 = 0; i < 8192; i++) store<u8>(PID_TABLE_BASE + i * 2 + 1, <u8>CC_NONE);
  store<u8>(PID_TABLE_BASE, <u8>ROUTE_PAT);
  for (let s = 0; s < MAX_TRACKS; s++) {
    clearTrack(s);
    unchecked((pesLength[s] = 0));
    unchecked((pesActive[s] = false));
    unchecked((pesDamaged[s] = false));
    unchecked((pesExpected[s] = 0));
    unchecked((retiring[s] = false));
    unchecked((lastVideoDts[s] = 0));
    unchecked((lastVideoStep[s] = 3000));
    unchecked((videoTimed[s] = false));
    unchecked((lastRawVideoDts[s] = -1));
    unchecked((prevVideoDts[s] = 0));
    unchecked((prevVideoStep[s] = 3000));
    resetVideo(s);
    resetAudio(s);
  }
  resetMetadata();
  for (let i: u32 = 0; i < PSI_BUFFERS; i++) {
    unchecked((psiLength[i] = 0));
    unchecked((psiVotes[i] = 0));
    unchecked((psiBadLength[i] = 0));
    unchecked((psiCollecting[i] = false));
  }
  resetClock();
  resetTimeline();
}

@inline function route(p: u32): u32 {
  return <u32>load<u8>(PID_TABLE_BASE + (p << 1));
}

@inline function setRoute(p: u32, r: u32): void {
  store<u8>(PID_TABLE_BASE + (p << 1), <u8>r);
}

/** Offset of the sync byte inside a packet of the current stride. */
@inline function syncOffset(): u32 {
  return stride == 192 ? 4 : 0;
}

/**
 * Demuxes the bytes [INPUT_BASE, end). Returns how many bytes were consumed; the rest (an
 * incomplete packet, or look-ahead for the sync search) must be kept for the next call.
 * With `final`, the end of input is known and nothing is kept.
 */
export function demux(end: u32, final: bool): u32 {
  let q: u32 = INPUT_BASE; // position of the next sync byte
  deferredWork = false;
  if (!sniffed && !sniff(end, final)) return final ? end - INPUT_BASE : 0;
  if (replaying && !replayHeld(final)) {
    deferredWork = true;
    return 0;
  }
  if (skipNext > 0) {
    const skip = min<u32>(skipNext, end - INPUT_BASE);
    q += skip;
    skipNext -= skip;
  }
  while (true) {
    if (!inSync) {
      const found = findSync(q, end, final);
      if (found == NOT_TS) {
        setByteOffset(NOT_TS_LIMIT); // where the search gave up: the same whatever the chunking
        raiseFatal(Fatal.NotMpegTs, -1, NOT_TS_LIMIT);
        return end - INPUT_BASE;
      }
      if (found == 0xffffffff) {
        // Keep the bytes a later call may still need for the search.
        const keep = (SYNC_PROBES - 1) * 204 + PACKET;
        if (final) q = end;
        else if (end - q > keep) q = end - keep;
        break;
      }
      const skipped = consumed + <f64>(found - INPUT_BASE) - lostSince - <f64>syncOffset();
      setByteOffset(lostSince);
      if (skipped > 0) emitWarning(Warn.SyncLost, -1, skipped);
      q = found;
      inSync = true;
      everSynced = true;
    }
    if (q + PACKET > end) {
      if (final && q < end) {
        setByteOffset(consumed + <f64>(q - INPUT_BASE));
        truncatedPacket(q, end);
        q = end;
      }
      break;
    }
    if (load<u8>(q) != SYNC) {
      inSync = false;
      lostSince = consumed + <f64>(q - INPUT_BASE);
      // The packet before was cut short (its last bytes are this one's): its access unit is lost.
      if (lastPacketSlot >= 0 && unchecked(pesActive[lastPacketSlot])) damage(lastPacketSlot);
      lastPacketSlot = -1;
      continue;
    }
    if (!final && outputBudgetSpent()) {
      // This call's event or output region is nearly full: the rest waits for the next call
      // (the engine calls again at once while deferred() says so). Output is unchanged by this.
      deferredWork = true;
      break;
    }
    packet(q, consumed + <f64>(q - INPUT_BASE));
    q += stride;
    if (replaying && !replayHeld(final)) {
      // Held packets come before any later one; what the budget leaves waits for the next call.
      deferredWork = true;
      break;
    }
  }
  // Everything before the packet (or search position) q is done. With 192/204-byte packets, q may
  // lie past the end (the next packet's M2TS prefix, or this one's Reed-Solomon suffix, was cut by
  // the chunk): those bytes are skipped at the start of the next call.
  let done = q > end ? end : q;
  if (q > end) skipNext = q - end; // else what the start of this call left of an earlier skip stays
  if (final) done = end;
  consumed += <f64>(done - INPUT_BASE);
  return done - INPUT_BASE;
}

/**
 * One packet can write a few warnings, or a cut (init and fragments for every track): stop taking
 * packets while there is still room for that, so no record of this call can be lost.
 */
function outputBudgetSpent(): bool {
  return eventCount() > MAX_EVENTS - 1024 || outputLength() > OUTPUT_BUDGET;
}

/** Recognises containers this build does not demux, so they get a clear error (DESIGN.md §3). */
function sniff(end: u32, final: bool): bool {
  const n = end - INPUT_BASE;
  if (n < 8 && !final) return false;
  sniffed = true;
  if (n >= 4 && load<u32>(INPUT_BASE) == 0xa3df451a) {
    // EBML magic 1A 45 DF A3: WebM/Matroska
    raiseFatal(Fatal.UnsupportedContainer, -1, 1);
    return false;
  }
  if (n >= 8 && load<u32>(INPUT_BASE + 4) == 0x70797466) {
    // 'ftyp' at offset 4: already ISO BMFF
    raiseFatal(Fatal.UnsupportedContainer, -1, 2);
    return false;
  }
  return true;
}

/**
 * Finds the next sync byte at or after q that starts SYNC_PROBES packets in a row at one of the
 * three packet sizes. Returns 0xffffffff when there is none yet (more input may decide it).
 */
function findSync(q: u32, end: u32, final: bool): u32 {
  for (let p = q; p < end; p++) {
    // Before the first sync, only the first NOT_TS_LIMIT bytes are searched, wherever chunks end.
    if (!everSynced && consumed + <f64>(p - INPUT_BASE) >= NOT_TS_LIMIT) return NOT_TS;
    if (load<u8>(p) != SYNC) continue;
    for (let k = 0; k < 3; k++) {
      const s: u32 = k == 0 ? 188 : k == 1 ? 192 : 204;
      let ok = true;
      let probes: u32 = 0;
      for (let i: u32 = 1; i < SYNC_PROBES; i++) {
        const at = p + i * s;
        if (at >= end) {
          if (!final) return 0xffffffff; // wait for the look-ahead
          break;
        }
        if (load<u8>(at) != SYNC) {
          ok = false;
          break;
        }
        probes++;
      }
      // At the very end of input, fewer probes decide: one whole packet is enough.
      if (ok && (probes > 0 || p + PACKET <= end)) {
        if (probes > 0 || k == 0) {
          stride = s;
          return p;
        }
      }
    }
  }
  return 0xffffffff;
}

/** The input ended inside a packet: its access unit cannot be complete. */
function truncatedPacket(q: u32, end: u32): void {
  emitWarning(Warn.TruncatedInput, -1, <f64>(end - q));
  if (end - q >= 3) {
    const r = route(((u8at(q + 1) & 0x1f) << 8) | u8at(q + 2));
    if (r >= ROUTE_TRACK) {
      const slot = <i32>(r - ROUTE_TRACK);
      if (unchecked(pesActive[slot])) damage(slot);
    }
  }
}

/** Whether the packet at q carries the same adaptation field length and payload as the one at `copy`. */
function samePayload(q: u32, copy: u32, payload: u32): bool {
  if (load<u8>(q + 3) != load<u8>(copy + 3)) return false; // flags and continuity_counter
  if (load<u8>(q + 3) & 0x20 && load<u8>(q + 4) != load<u8>(copy + 4)) return false; // adaptation_field_length
  const from = payload - q;
  return from >= PACKET || bytesEqual(payload, copy + from, PACKET - from);
}

/**
 * Keeps a copy of a packet whose PID is not known yet, while no PMT has been read: the PMT may
 * declare it (13818-1 does not require a stream to start with its PAT/PMT).
 */
function holdPacket(q: u32, offset: f64): void {
  const slot = HOLD_BASE + (held % HOLD_PACKETS) * HOLD_SLOT;
  store<f64>(slot, offset);
  memory.copy(slot + 8, q, 188);
  held++;
}

/**
 * Replays the held packets of PIDs the first PMT declared, in their input order. Returns false when
 * the call's output budget ran out first (the rest is replayed by the next call).
 */
function replayHeld(final: bool): bool {
  while (replayNext < held) {
    if (!final && outputBudgetSpent()) return false;
    const slot = HOLD_BASE + (replayNext % HOLD_PACKETS) * HOLD_SLOT;
    replayNext++;
    const q = slot + 8;
    if (route(((u8at(q + 1) & 0x1f) << 8) | u8at(q + 2)) >= ROUTE_TRACK) packet(q, load<f64>(slot));
  }
  replaying = false;
  held = 0;
  replayNext = 0;
  return true;
}

/** One 188-byte transport packet at q (2.4.3.2), found at `offset` in the input. */
function packet(q: u32, offset: f64): void {
  lastPacketSlot = -1;
  const b1 = u8at(q + 1);
  const packetPid = ((b1 & 0x1f) << 8) | u8at(q + 2);
  const r = route(packetPid);
  if (r == ROUTE_NONE) {
    if (pmtVersion < 0 && packetPid != 0x1fff) holdPacket(q, offset); // null packets never matter
    return;
  }
  setByteOffset(offset);
  const b3 = u8at(q + 3);
  const tei = (b1 & 0x80) != 0; // transport_error_indicator
  const pusi = (b1 & 0x40) != 0; // payload_unit_start_indicator
  const afc = (b3 >> 4) & 3; // adaptation_field_control
  const cc = b3 & 0xf; // continuity_counter
  let payload = q + 4;
  let discontinuity = false;
  if (afc & 2) {
    const afLength = u8at(q + 4); // adaptation_field_length
    if (afLength > 183) return; // 2.4.3.4: at most 183 (182 with payload); damaged header
    if (afLength > 0) discontinuity = (u8at(q + 5) & 0x80) != 0; // discontinuity_indicator
    payload = q + 5 + afLength;
  }
  const hasPayload = (afc & 1) != 0 && payload < q + PACKET;
  if (r >= ROUTE_TRACK) {
    const slot = <i32>(r - ROUTE_TRACK);
    if (tei) {
      if (unchecked(pesActive[slot])) damage(slot);
      else pesLost(slot);
      emitWarning(Warn.TransportError, slot, <f64>packetPid);
      // Its continuity_counter is as unreliable as the rest: the next packet starts counting anew
      // (else the same damage would be reported twice).
      store<u8>(PID_TABLE_BASE + (packetPid << 1) + 1, <u8>CC_NONE);
      return;
    }
    // 2.4.3.3: the counter steps on every packet whose adaptation_field_control says "payload"
    // ('01', '11'), also when an adaptation field of 183 bytes leaves no payload byte (not allowed
    // with '11', but Mediabunny's no-initial-keyframe.ts pads PES ends that way).
    if ((afc & 1) == 0) return;
    const ccAt = PID_TABLE_BASE + (packetPid << 1) + 1;
    const last = <u32>load<u8>(ccAt);
    store<u8>(ccAt, <u8>cc);
    const copy = LAST_PACKET_BASE + <u32>slot * PACKET;
    if (last != CC_NONE && !discontinuity) {
      // A duplicate (2.4.3.3 allows one) repeats every byte but the PCR: its payload is already in.
      // The same counter with other bytes is a loss of 16 packets (or 15 and a wrong guess).
      if (cc == last && samePayload(q, copy, payload)) return;
      if (cc != ((last + 1) & 0xf)) {
        // Bytes are missing here: the PES in progress is damaged, or, between two PES, whatever the
        // next PES would have continued (a carried audio frame, a video NAL unit) is.
        if (unchecked(pesActive[slot])) damage(slot);
        else pesLost(slot);
        emitWarning(Warn.ContinuityError, slot, <f64>packetPid);
      }
    }
    memory.copy(copy, q, PACKET);
    if ((b3 >> 6) != 0) {
      // transport_scrambling_control (2.4.3.2): the payload is nothing we can read, so the PES it belongs to is
      // incomplete. Between two PES (this one starts a PES, or continues one whose start we never took) it is a PES
      // lost whole: what the next PES would continue (a carried audio frame, a video NAL unit) is lost with it, as
      // after a continuity gap. Else the next PES completed that frame with bytes from across the lost one.
      if (unchecked(pesActive[slot])) damage(slot);
      else pesLost(slot);
      return;
    }
    if (!hasPayload) {
      // A PES start without a single payload byte (adaptation_field_control '11' with a 183-byte
      // adaptation field): the PES before it is complete, and the one it starts has no header, so
      // the packets after it cannot be placed: they are dropped until the next start.
      if (pusi && unchecked(pesActive[slot])) {
        closePes(slot);
        pesLost(slot);
        emitWarning(Warn.PesInvalid, slot, 0);
      }
      return;
    }
    pesPayload(slot, payload, q + PACKET - payload, pusi);
    lastPacketSlot = slot;
    return;
  }
  if (r == ROUTE_ID3) {
    if (tei) id3Lost();
    else if (hasPayload) id3Payload(payload, q + PACKET - payload, pusi);
    return;
  }
  if (tei || !hasPayload) return;
  psiPid = packetPid;
  psiPayload(r == ROUTE_PAT ? 0 : r == ROUTE_PMT ? 1 : 2, payload, q + PACKET - payload, pusi);
}

// ---------------------------------------------------------------------------------------------
// PSI: PAT and PMT sections (2.4.4)

function psiPayload(which: i32, p: u32, len: u32, pusi: bool): void {
  const buf = PSI_BASE + <u32>which * PSI_CAPACITY;
  if (pusi) {
    const pointer = u8at(p); // pointer_field
    if (pointer + 1 > len) return;
    if (unchecked(psiCollecting[which]) && unchecked(psiCollectPid[which]) == psiPid) psiAppend(which, buf, p + 1, pointer);
    unchecked((psiCollecting[which] = true));
    unchecked((psiCollectPid[which] = psiPid));
    unchecked((psiLength[which] = 0));
    psiAppend(which, buf, p + 1 + pointer, len - 1 - pointer);
  } else if (unchecked(psiCollecting[which]) && unchecked(psiCollectPid[which]) == psiPid) {
    // Several programs' maps share the buffer: a section goes on only with packets of its own PID.
    psiAppend(which, buf, p, len);
  }
}

function psiAppend(which: i32, buf: u32, p: u32, len: u32): void {
  let have = unchecked(psiLength[which]);
  const take = min<u32>(len, PSI_CAPACITY - have);
  memory.copy(buf + have, p, take);
  have += take;
  unchecked((psiLength[which] = have));
  if (have < 3) return;
  const total = (u16be(buf + 1) & 0xfff) + 3; // section_length
  if (total > PSI_CAPACITY || total < 12) {
    unchecked((psiCollecting[which] = false));
    return;
  }
  if (have < total) return;
  unchecked((psiCollecting[which] = false));
  if (crc32mpeg(buf, total) != 0) {
    emitWarning(Warn.PsiInvalid, -1, <f64>u8at(buf));
    const waiting = which == 0 ? !patSeen : which == 1 ? pmtVersion < 0 : false;
    if (!waiting || !voteSection(which, buf, total)) return;
  }
  if (which == 0) pat(buf, total);
  else if (which == 1) pmt(buf, total);
  else scte35Section(buf, total);
}

/**
 * A PAT or PMT that fails its CRC_32 while none of its kind was read yet. Tables repeat (every 100 ms
 * or so), and bit errors rarely hit the same byte twice: the last PSI_VOTES failed copies of the same
 * length vote byte by byte, and a result that passes the CRC is the table (tsduck test-143: every PMT
 * copy is damaged, differently). Three identical copies that still fail were written with a wrong
 * CRC_32 (some tools do) and are taken as they are. Returns true with the section in buf.
 */
function voteSection(which: i32, buf: u32, total: u32): bool {
  if (total != unchecked(psiBadLength[which])) {
    unchecked((psiBadLength[which] = total));
    unchecked((psiVotes[which] = 0)); // copies held
  }
  const held = unchecked(psiVotes[which]);
  const slot = PSI_VOTE_BASE + ((held % PSI_VOTES) * PSI_CAPACITY);
  memory.copy(slot, buf, total);
  unchecked((psiVotes[which] = held + 1));
  if (held + 1 < PSI_VOTES) return false;
  const a = PSI_VOTE_BASE;
  const b = a + PSI_CAPACITY;
  const c = b + PSI_CAPACITY;
  let identical = true;
  for (let i: u32 = 0; i < total; i++) {
    const x = load<u8>(a + i);
    const y = load<u8>(b + i);
    const z = load<u8>(c + i);
    if (x != y || y != z) identical = false;
    store<u8>(buf + i, x == y || x == z ? x : y == z ? y : x);
  }
  return identical || crc32mpeg(buf, total) == 0;
}

/**
 * program_association_section (2.4.4.3). The map PID of every program is watched, and the first
 * program whose PMT arrives is played: a capture may lack the map of the first program listed
 * (tsduck test-137 lists five programs and carries the PMT of the third one only).
 */
function pat(s: u32, total: u32): void {
  if (u8at(s) != 0x00 || patSeen) return; // table_id
  if ((u8at(s + 5) & 1) == 0) return; // current_next_indicator: 0 announces a table not valid yet
  patSeen = true;
  for (let p = s + 8; p + 4 <= s + total - 4; p += 4) {
    const program = u16be(p); // program_number
    const mapPid = u16be(p + 2) & 0x1fff; // program_map_PID / network_PID
    if (program == 0) continue;
    if (route(mapPid) == ROUTE_NONE) setRoute(mapPid, ROUTE_PMT);
    const entry = programEntry(<i32>program, true);
    if (entry != 0) store<u16>(entry + 2, <u16>mapPid);
  }
}

/** Flags of a program entry (PROGRAMS_BASE). */
const PROGRAM_SEEN: u32 = 1; // its PMT was read
const PROGRAM_VIDEO: u32 = 2; // its PMT lists a video stream weir outputs
const PROGRAM_PLAYED: u32 = 4; // the program being output

/** The entry of a program in the programs table, added when `add` (0: none, or the table is full). */
function programEntry(program: i32, add: bool): u32 {
  for (let i: u32 = 0; i < programCount; i++) {
    const e = PROGRAMS_BASE + i * PROGRAM_ENTRY;
    if (<i32>load<u16>(e) == program) return e;
  }
  if (!add || programCount >= MAX_PROGRAMS) return 0;
  const e = PROGRAMS_BASE + programCount * PROGRAM_ENTRY;
  memory.fill(e, 0, PROGRAM_ENTRY);
  store<u16>(e, <u16>program);
  programCount++;
  return e;
}

/** Records a PMT's streams in the programs table; returns whether it lists a video stream weir outputs. */
function recordProgram(s: u32, total: u32, program: i32): bool {
  const e = programEntry(program, true);
  const end = s + total - 4;
  let p = s + 12 + (u16be(s + 10) & 0xfff);
  let n: u32 = 0;
  let video = false;
  while (p + 5 <= end) {
    const type = u8at(p);
    const esPid = u16be(p + 1) & 0x1fff;
    if (type == StreamType.H264 || type == StreamType.Hevc) video = true;
    if (e != 0 && n < MAX_PROGRAM_STREAMS) store<u32>(e + 12 + n * 4, (type << 16) | esPid);
    n++;
    p += 5 + (u16be(p + 3) & 0xfff);
  }
  if (e != 0) {
    store<u32>(e + 4, load<u32>(e + 4) | PROGRAM_SEEN | (video ? PROGRAM_VIDEO : 0));
    store<u32>(e + 8, min<u32>(n, MAX_PROGRAM_STREAMS));
  }
  return video;
}

/** Programs in the table (index.ts exports it with PROGRAMS_BASE). */
export function programsListed(): u32 {
  return programCount;
}

/**
 * TS_program_map_section (2.4.4.8): declares the tracks of the program that is played. Which one: the one
 * asked for (init), else the first whose PMT lists video; a PMT without video is kept as the candidate
 * until every program of the PAT has shown its PMT, or one shows it a second time (maps repeat: by then
 * every program present has), and then played. The other programs' maps stay watched, for the table.
 */
function pmt(s: u32, total: u32): void {
  if (u8at(s) != 0x02) return; // table_id
  if ((u8at(s + 5) & 1) == 0) return; // current_next_indicator: 0 announces a table not valid yet
  const program = <i32>u16be(s + 3); // program_number
  const version = <i32>((u8at(s + 5) >> 1) & 0x1f); // version_number
  if (pmtVersion >= 0) {
    if (program != pmtProgram) {
      recordProgram(s, total, program);
      return; // the map of a program that is not played
    }
    if (version != pmtVersion) pmtChanged(s, total, version);
    return;
  }
  const entry = programEntry(program, false);
  const seenBefore = entry != 0 && (load<u32>(entry + 4) & PROGRAM_SEEN) != 0;
  const video = recordProgram(s, total, program);
  if (programSelection >= 0) {
    if (program != programSelection) return; // not the program asked for
  } else if (!video) {
    if (candidateProgram < 0) {
      candidateProgram = program;
      candidateLength = total;
      memory.copy(CANDIDATE_PMT_BASE, s, total);
    }
    let all = programCount > 0;
    for (let i: u32 = 0; i < programCount; i++) {
      if ((load<u32>(PROGRAMS_BASE + i * PROGRAM_ENTRY + 4) & PROGRAM_SEEN) == 0) all = false;
    }
    if (!all && !seenBefore) return; // a program with video may still come
    if (program != candidateProgram) {
      takeProgram(CANDIDATE_PMT_BASE, candidateLength);
      return;
    }
  }
  takeProgram(s, total);
}

function takeProgram(s: u32, total: u32): void {
  const program = <i32>u16be(s + 3);
  pmtProgram = program;
  pmtVersion = <i32>((u8at(s + 5) >> 1) & 0x1f);
  const e = programEntry(program, true);
  if (e != 0) store<u32>(e + 4, load<u32>(e + 4) | PROGRAM_PLAYED);
  if (held > 0) {
    // Packets that came before this PMT are replayed right after the packet that completed it.
    replaying = true;
    replayNext = held > HOLD_PACKETS ? held - HOLD_PACKETS : 0;
  }
  audioInPmt = 0;
  const infoLength = u16be(s + 10) & 0xfff; // program_info_length
  let p = s + 12 + infoLength;
  const end = s + total - 4; // before CRC_32
  while (p + 5 <= end) {
    const type = u8at(p); // stream_type
    const esPid = u16be(p + 1) & 0x1fff; // elementary_PID
    const esInfo = u16be(p + 3) & 0xfff; // ES_info_length
    const infoEnd = p + 5 + esInfo;
    declareStream(type, esPid, p + 5, infoEnd <= end ? infoEnd : end);
    p = infoEnd;
  }
}

/** Slots whose stream a new PMT version no longer lists (pmtChanged): their track may take a new stream. */
const retiring = new StaticArray<bool>(MAX_TRACKS);

/**
 * A new version of the played program's PMT (2.4.4.8: version_number changes whenever the map does).
 * Streams it still lists (same PID, same stream_type) go on untouched. A stream it no longer lists
 * ends: its PES in progress is closed and its PID is no longer read. A stream it adds takes the track
 * of an ended stream of the same kind when there is one (the same track id; a new init segment follows
 * once its configuration is known, remuxer.ts restartTrack), else a free track (a track added after
 * output started, remuxer.ts). Reported as PMT_CHANGED with the new version.
 */
function pmtChanged(s: u32, total: u32, version: i32): void {
  pmtVersion = version;
  emitWarning(Warn.PmtChanged, -1, <f64>version);
  const end = s + total - 4;
  const first = s + 12 + (u16be(s + 10) & 0xfff);
  for (let slot = 0; slot < MAX_TRACKS; slot++) {
    unchecked((retiring[slot] = false));
    if (unchecked(state[slot]) == TrackState.Free) continue;
    let listed = false;
    for (let p = first; p + 5 <= end; p += 5 + (u16be(p + 3) & 0xfff)) {
      if (<i32>(u16be(p + 1) & 0x1fff) == unchecked(pid[slot]) && u8at(p) == infoU32(slot, Info.StreamType)) listed = true;
    }
    if (listed) continue;
    if (unchecked(pesActive[slot])) closePes(slot);
    setRoute(<u32>unchecked(pid[slot]), ROUTE_NONE);
    unchecked((retiring[slot] = true));
  }
  audioInPmt = 0;
  for (let p = first; p + 5 <= end; ) {
    const type = u8at(p);
    const esPid = u16be(p + 1) & 0x1fff;
    const infoEnd = p + 5 + (u16be(p + 3) & 0xfff);
    if (route(esPid) >= ROUTE_TRACK) {
      if (unchecked(kind[<i32>(route(esPid) - ROUTE_TRACK)]) == TrackKind.Audio) audioInPmt++;
    } else {
      declareStream(type, esPid, p + 5, infoEnd <= end ? infoEnd : end);
    }
    p = infoEnd;
  }
  for (let slot = 0; slot < MAX_TRACKS; slot++) {
    if (unchecked(retiring[slot])) {
      // Ended, and no new stream took its track: what is queued still goes out.
      unchecked((retiring[slot] = false));
      if (unchecked(state[slot]) != TrackState.Dropped) unchecked((state[slot] = TrackState.Dropped));
    }
  }
}

/** What a PMT's ES_info descriptors say about one elementary stream (see readDescriptors). */
let descRegistration: u32 = 0;
let descLanguage: u32 = 0;
let descAc3: bool = false;
let descEac3: bool = false;
let descOpusChannels: i32 = -1;
/** Some other descriptor was present (subtitling, teletext, data broadcast...). */
let descOther: bool = false;

function readDescriptors(p: u32, end: u32): void {
  descRegistration = 0;
  descOther = false;
  descLanguage = 0;
  descAc3 = false;
  descEac3 = false;
  descOpusChannels = -1;
  while (p + 2 <= end) {
    const tag = u8at(p); // descriptor_tag
    const len = u8at(p + 1); // descriptor_length
    const body = p + 2;
    if (body + len > end) break;
    if (tag == Descriptor.Registration && len >= 4) descRegistration = u32be(body);
    else if (tag == Descriptor.Language && len >= 4 && descLanguage == 0) {
      // ISO_639_language_code: three ISO 8859-1 letters (the first entry of the loop).
      descLanguage = (u8at(body) << 16) | (u8at(body + 1) << 8) | u8at(body + 2);
    } else if (tag == Descriptor.DvbAc3) descAc3 = true;
    else if (tag == Descriptor.DvbEac3) descEac3 = true;
    else if (tag == Descriptor.DvbExtension && len >= 2 && u8at(body) == OPUS_EXTENSION) {
      descOpusChannels = <i32>u8at(body + 1); // channel_config_code
    } else if (tag != Descriptor.Language && tag != 0x52) descOther = true; // 0x52: stream_identifier (DVB)
    p = body + len;
  }
}

/**
 * Which track a PMT entry becomes, from its stream_type and descriptors. Audio codecs are checked
 * against the payload later (audio.ts): the PMT only proposes the family.
 */
function declareStream(type: u32, esPid: u32, desc: u32, descEnd: u32): void {
  // 2.4.3.3 Table 2-3: 0x0000-0x000F are the PAT and reserved tables, 0x1FFF the null packets.
  if (esPid < 0x10 || esPid == 0x1fff) {
    emitWarning(Warn.PsiInvalid, -1, <f64>esPid);
    return;
  }
  readDescriptors(desc, descEnd);
  let trackKind = TrackKind.None;
  let trackCodec = Codec.None;
  if (type == StreamType.H264) {
    trackKind = TrackKind.Video;
    trackCodec = Codec.H264;
  } else if (type == StreamType.Hevc || (type == StreamType.PrivateData && descRegistration == Registration.Hevc)) {
    trackKind = TrackKind.Video;
    trackCodec = Codec.Hevc;
  } else if (type == StreamType.AacAdts) {
    trackKind = TrackKind.Audio;
    trackCodec = Codec.Aac;
  } else if (type == StreamType.AacLatm) {
    trackKind = TrackKind.Audio;
    trackCodec = Codec.AacLatm;
  } else if (type == StreamType.Mpeg1Audio || type == StreamType.Mpeg2Audio) {
    // Decided by the payload: broadcasters label AAC as MPEG-2 audio.
    trackKind = TrackKind.Audio;
  } else if (type == StreamType.AtscAc3 || type == StreamType.AtscEac3) {
    trackKind = TrackKind.Audio;
    trackCodec = Codec.Ac3; // AC-3 or E-AC-3: the bsid of the first frame decides
  } else if (type == StreamType.PrivateData) {
    if (descAc3 || descEac3 || descRegistration == Registration.Ac3 || descRegistration == Registration.Eac3) {
      trackKind = TrackKind.Audio;
      trackCodec = Codec.Ac3;
    } else if (descRegistration == Registration.Opus) {
      trackKind = TrackKind.Audio;
      trackCodec = Codec.Opus;
    } else if (descRegistration == 0 && !descOther) {
      // Private data with no descriptor at all: Blu-ray (M2TS) writes AAC this way. The payload decides;
      // anything else (subtitles, teletext) comes with its own descriptor and is skipped above.
      trackKind = TrackKind.Audio;
    }
  }
  if (type == StreamType.Metadata || (type == StreamType.PrivateData && descRegistration == Registration.Id3)) {
    if (route(esPid) == ROUTE_NONE) setRoute(esPid, ROUTE_ID3);
    return;
  }
  if (type == StreamType.Scte35) {
    if (route(esPid) == ROUTE_NONE) setRoute(esPid, ROUTE_SCTE35);
    return;
  }
  if (trackKind == TrackKind.None || !codecBuilt(trackCodec)) {
    // Not media weir outputs (yet): subtitles, data, LATM... reported once, by stream_type.
    emitWarning(Warn.TrackUnsupported, -1, <f64>type);
    return;
  }
  let slot: i32 = -1;
  const audioIndex = audioInPmt;
  if (trackKind == TrackKind.Video) {
    if (unchecked(state[0]) == TrackState.Free || unchecked(retiring[0])) slot = 0;
  } else {
    audioInPmt++;
    if (audioSelection >= 0 && <u32>audioSelection != audioIndex) return; // not the one asked for
    for (let s = 1; s < MAX_TRACKS && slot < 0; s++) if (unchecked(retiring[s])) slot = s;
    for (let s = 1; s < MAX_TRACKS && slot < 0; s++) if (unchecked(state[s]) == TrackState.Free) slot = s;
  }
  if (slot < 0) {
    emitWarning(Warn.ExtraTrackSkipped, -1, <f64>type);
    return;
  }
  if (unchecked(retiring[slot])) {
    // A new stream on the track of an ended one: its timing goes on (the timeline stays continuous), its
    // configuration starts over, and its track gets a new init segment once it is known.
    unchecked((retiring[slot] = false));
    unchecked((pesActive[slot] = false));
    unchecked((pesLength[slot] = 0));
    if (trackKind == TrackKind.Video) resetVideo(slot);
    else audioPesLost(slot);
    markRestart(slot);
  }
  unchecked((state[slot] = TrackState.Declared));
  unchecked((kind[slot] = trackKind));
  unchecked((codec[slot] = trackCodec));
  unchecked((pid[slot] = <i32>esPid));
  setInfoU32(slot, Info.Kind, trackKind);
  setInfoU32(slot, Info.Codec, trackCodec);
  setInfoU32(slot, Info.Pid, esPid);
  setInfoU32(slot, Info.StreamType, type);
  setInfoU32(slot, Info.Language, descLanguage);
  setInfoU32(slot, Info.AudioIndex, audioIndex);
  if (trackCodec == Codec.Opus) setInfoU32(slot, Info.Channels, descOpusChannels < 0 ? 2 : <u32>descOpusChannels);
  setRoute(esPid, ROUTE_TRACK + <u32>slot);
}

/** Codecs this build writes into MP4 (the others are declared unsupported, by stream_type). */
function codecBuilt(c: i32): bool {
  return (
    c == Codec.None || c == Codec.H264 || c == Codec.Hevc || c == Codec.Aac || c == Codec.AacLatm || c == Codec.Ac3 ||
    c == Codec.Opus
  );
}

// ---------------------------------------------------------------------------------------------
// PES (2.4.3.6)

function pesPayload(slot: i32, p: u32, len: u32, pusi: bool): void {
  if (pusi) {
    // A PES shorter than its PES_packet_length here lost packets where the continuity counter could
    // not see it (16 in a row).
    if (unchecked(pesActive[slot])) closePes(slot);
    unchecked((pesActive[slot] = true));
    unchecked((pesDamaged[slot] = false));
    unchecked((pesLength[slot] = 0));
    unchecked((pesExpected[slot] = 0));
  } else if (!unchecked(pesActive[slot])) {
    return; // the tail of a PES whose start came before our input did
  }
  const base = pesBase(slot);
  const have = unchecked(pesLength[slot]);
  if (have + len > pesCapacity(slot)) {
    if (!unchecked(pesDamaged[slot])) emitWarning(Warn.PesOverflow, slot, <f64>(have + len));
    damage(slot);
    return;
  }
  memory.copy(base + have, p, len);
  const now = have + len;
  unchecked((pesLength[slot] = now));
  if (have == 0 && unchecked(kind[slot]) == TrackKind.Video) announceNextUnit(slot, base, now);
  if (have < 9 && now >= 9) {
    const declared = u16be(base + 4); // PES_packet_length (0: unbounded, video only)
    // A length shorter than the PES header it belongs to is a muxer bug seen in broadcast
    // captures (tsduck test-072 opens with PES_packet_length 2): the packet then ends at the next
    // payload_unit_start_indicator, as an unbounded one does.
    if (declared >= 3 + u8at(base + 8)) unchecked((pesExpected[slot] = 6 + declared));
  }
  const expected = unchecked(pesExpected[slot]);
  if (expected > 0 && now >= expected) finishPes(slot);
}

/**
 * The first packet of a video PES: when its header has a DTS one frame interval (the track's cadence) after the
 * last access unit's, and its payload starts with a start code (no byte of that unit goes on here), the last unit is
 * complete and its duration known: the remuxer may write it now (announceVideoDts, for low-latency live) rather than
 * when this PES ends. The times compared are the header fields as read: on the cadence, the timeline repairs that
 * run when the PES is complete (finishPes) give this unit exactly the last unit's time plus the step.
 */
function announceNextUnit(slot: i32, base: u32, now: u32): void {
  const prev = unchecked(lastRawVideoDts[slot]);
  if (prev < 0 || !unchecked(videoTimed[slot]) || now < 9) return;
  if (u16be(base) != 0 || u8at(base + 2) != 1) return;
  const ptsDts = u8at(base + 7) >> 6;
  const headerLength = u8at(base + 8);
  if (ptsDts < 2 || (ptsDts == 2 && headerLength < 5) || (ptsDts == 3 && headerLength < 10)) return;
  const data = base + 9 + headerLength;
  if (data + 4 > base + now) return;
  const startCode = u8at(data) == 0 && u8at(data + 1) == 0 && (u8at(data + 2) == 1 || (u8at(data + 2) == 0 && u8at(data + 3) == 1));
  if (!startCode) return;
  const raw = readTimestamp(base + (ptsDts == 3 ? 14 : 9));
  const step = (raw - prev) & ((<i64>1 << 33) - 1);
  if (step != <i64>unchecked(lastVideoStep[slot])) return;
  announceVideoDts(slot, unchecked(lastVideoDts[slot]), unchecked(lastVideoDts[slot]) + step);
}

/** A PES was dropped: bytes at the start of the next one cannot continue what came before it. */
function pesLost(slot: i32): void {
  if (unchecked(kind[slot]) == TrackKind.Video) unchecked((lastRawVideoDts[slot] = -1));
  if (unchecked(kind[slot]) == TrackKind.Video) videoPesLost(slot);
  else audioPesLost(slot);
}

function finishPes(slot: i32): void {
  unchecked((pesActive[slot] = false));
  if (unchecked(state[slot]) == TrackState.Dropped) return;
  const base = pesBase(slot);
  let length = unchecked(pesLength[slot]);
  // A gap, a transport error or an overflow hit this PES. Video: its access unit is lost, only it.
  // Audio: a PES holds several frames, and those complete before the damage are intact (timed from
  // the PES's PTS); the frames from the damage on are lost (their bytes, or their times, are gone).
  let partial = false;
  if (unchecked(pesDamaged[slot])) {
    const intact = unchecked(pesDamageAt[slot]);
    const salvage =
      unchecked(kind[slot]) == TrackKind.Audio && intact >= 9 && intact > <u32>9 + u8at(base + 8) && u16be(base) == 0;
    if (!salvage) {
      setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
      pesLost(slot);
      return;
    }
    partial = true;
    length = intact;
  }
  const expected = unchecked(pesExpected[slot]);
  if (expected > 0 && length > expected) length = expected;
  if (length < 9 || u16be(base) != 0 || u8at(base + 2) != 1) {
    emitWarning(Warn.PesInvalid, slot, <f64>length);
    pesLost(slot);
    return;
  }
  const flags = u8at(base + 7); // PTS_DTS_flags and others
  const headerLength = u8at(base + 8); // PES_header_data_length
  const payload = headerLength + 9;
  const ptsDts = flags >> 6;
  if (payload > length || (ptsDts >= 2 && headerLength < 5) || (ptsDts == 3 && headerLength < 10)) {
    emitWarning(Warn.PesInvalid, slot, <f64>length);
    pesLost(slot);
    return;
  }
  let pts: i64 = 0;
  let dts: i64 = 0;
  let suspect = false;
  const hasPts = ptsDts >= 2;
  if (hasPts) {
    pts = unwrap(readTimestamp(base + 9));
    dts = ptsDts == 3 ? unwrap(readTimestamp(base + 14)) : pts;
    const video = unchecked(kind[slot]) == TrackKind.Video;
    const known = video ? unchecked(videoTimed[slot]) : audioTimed(slot);
    if (video && known) repairLateOutlier(slot, dts);
    const last = video ? unchecked(lastVideoDts[slot]) : audioLastDts90k(slot);
    // Video: the next frame is expected one frame interval on. After one longer frame (a frame the encoder dropped,
    // a live loop's seam) the interval before it is the better guess: a jump continues the track there, and one
    // damaged timestamp is measured from there.
    let step = <i64>unchecked(lastVideoStep[slot]);
    const stepBefore = <i64>unchecked(prevVideoStep[slot]);
    if (stepBefore > 0 && stepBefore < step) step = stepBefore;
    const expected = video ? last + step : audioNextDts90k(slot);
    const off = retime(slot, dts, expected, last, known, video);
    pts += off;
    dts += off;
    // Later than the cadence by a frame interval or more (and under a second: a jump is retimed onto the cadence):
    // frames lost before it, or this one timestamp damaged. The next access unit decides (repairLateOutlier), and
    // only then: a next unit on the old cadence falls behind this one. (Late by less, the next unit still comes
    // after it, and nothing moves against the audio; a longer frame at a live loop's seam is not held either.)
    suspect = video && known && step > 0 && dts - expected >= step;
    setMediaTime(slot, isInitDone() ? <f64>(pts - outputBase90k()) / 90000 : NaN);
  }
  const data = base + payload;
  const size = length - payload;
  if (unchecked(kind[slot]) == TrackKind.Video) {
    // A PES without a PTS, or with the PTS of the access unit before it (some muxers repeat it on
    // every PES of a picture split over several), carries more of that access unit.
    const sameUnit = hasPts && unchecked(videoTimed[slot]) && dts == unchecked(lastVideoDts[slot]);
    if ((!hasPts || sameUnit) && videoCanContinue(slot)) {
      videoAccessUnit(slot, data, size, 0, 0, true, false);
      return;
    }
    if (!hasPts) {
      emitWarning(Warn.MissingTimestamp, slot, 0);
      dts = unchecked(lastVideoDts[slot]) + <i64>unchecked(lastVideoStep[slot]);
      pts = dts;
    } else if (unchecked(videoTimed[slot]) && dts < unchecked(lastVideoDts[slot])) {
      // Behind the last decode time (one bad timestamp, see timeline.ts): timed from the cadence,
      // so decode times only go forward. (Equal, with nothing to continue, is a PES of parameter
      // sets before its picture: the picture keeps the time.)
      const shift = unchecked(lastVideoDts[slot]) + <i64>unchecked(lastVideoStep[slot]) - dts;
      emitWarning(Warn.TimestampJump, slot, <f64>(-shift / 90));
      dts += shift;
      pts += shift;
    }
    if (unchecked(videoTimed[slot])) {
      const step = dts - unchecked(lastVideoDts[slot]);
      unchecked((prevVideoStep[slot] = unchecked(lastVideoStep[slot])));
      if (step > 0 && step <= 90000) unchecked((lastVideoStep[slot] = <u32>step));
    }
    unchecked((prevVideoDts[slot] = unchecked(lastVideoDts[slot])));
    unchecked((lastVideoDts[slot] = dts));
    unchecked((videoTimed[slot] = true));
    videoAccessUnit(slot, data, size, dts, pts, false, suspect);
    // The raw field, for announceNextUnit: only a PES that had one and was read whole.
    unchecked((lastRawVideoDts[slot] = hasPts && !partial ? readTimestamp(base + (ptsDts == 3 ? 14 : 9)) : -1));
    return;
  }
  if (unchecked(codec[slot]) == Codec.None) {
    if (size == 0) return;
    const found = detectAudioCodec(data, size);
    if (found == Codec.None) {
      // Not audio weir can frame (a private stream of another kind, or damage at the first PES).
      unchecked((state[slot] = TrackState.Dropped));
      setRoute(<u32>unchecked(pid[slot]), ROUTE_NONE);
      emitWarning(Warn.TrackUnsupported, slot, <f64>infoU32(slot, Info.StreamType));
      return;
    }
    unchecked((codec[slot] = found));
    setInfoU32(slot, Info.Codec, <u32>found);
  }
  audioPes(slot, data, size, pts, hasPts, partial);
  if (partial) {
    setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
    pesLost(slot);
  }
}

/**
 * One late video timestamp (a bit error under a second) looks like frames lost before it, until the
 * next access unit comes back: behind the late one, yet after the one before it. Decode times only go
 * forward, so the late one was wrong: it is moved back onto the cadence (one interval after the one
 * before it; halfway to the next where that leaves less than half an interval, as after a longer frame
 * at a live loop's seam), and the video keeps its relation to the audio. (An early one is repaired by
 * timeline.ts; frames really lost before it are confirmed by a next unit that is not behind it.) Both
 * units are still queued: finishPes marked the late one suspect, so the remuxer held back any cut due
 * at it (short live fragments, a keyframe) until now (remuxer.ts beginVideoSample). Only a forced cut
 * (a full store) can have written them; the late time then stays, reported by the jump it causes.
 */
function repairLateOutlier(slot: i32, source: i64): void {
  const last = unchecked(lastVideoDts[slot]);
  const before = unchecked(prevVideoDts[slot]);
  const step = <i64>unchecked(prevVideoStep[slot]);
  const t = source + videoOffset(slot);
  if (t >= last || t <= before + 1 || last - before <= step + step / 2) return;
  const moved = t - before >= step + step / 2 ? before + step : before + (t - before) / 2;
  if (!retimeLastVideoSample(slot, moved)) return;
  emitWarning(Warn.TimestampJump, slot, <f64>((moved - last) / 90));
  unchecked((lastVideoDts[slot] = moved));
  unchecked((lastVideoStep[slot] = <u32>(moved - before)));
}

/**
 * Ends the PES being collected: complete, it is demuxed; shorter than its PES_packet_length, its
 * access unit is incomplete, and only it is lost (reported).
 */
function closePes(slot: i32): void {
  const expected = unchecked(pesExpected[slot]);
  if (expected > 0 && unchecked(pesLength[slot]) < expected) {
    emitWarning(Warn.IncompleteAccessUnit, slot, <f64>unchecked(pesLength[slot]));
    if (unchecked(kind[slot]) == TrackKind.Audio) {
      // The frames complete before the cut are intact: kept, as in a PES damaged there (finishPes).
      damage(slot);
      finishPes(slot);
      return;
    }
    unchecked((pesActive[slot] = false));
    setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
    pesLost(slot);
    return;
  }
  finishPes(slot);
}

/** End of input: a PES still being collected is closed (the input may have ended inside it). */
export function flushDemuxer(): void {
  for (let s = 0; s < MAX_TRACKS; s++) {
    if (unchecked(pesActive[s])) closePes(s);
  }
  flushMetadata();
}

/**
 * Seeking in a file: the next byte pushed is at absolute position `offset`, a packet where a video access unit starts
 * (mpegts/probe.ts found it). The program's tables, tracks and parameter sets are kept; PES assembly, continuity
 * state and per-track timing start afresh (so the jump is neither damage nor a timestamp jump), and video starts at
 * the first random access point from there.
 */
export function seekMpegTs(offset: f64): bool {
  if (!everSynced || pmtVersion < 0) return false;
  consumed = offset;
  inSync = false;
  lostSince = offset;
  skipNext = 0;
  lastPacketSlot = -1;
  deferredWork = false;
  for (let i: u32 = 0; i < 8192; i++) store<u8>(PID_TABLE_BASE + i * 2 + 1, <u8>CC_NONE);
  for (let i: u32 = 0; i < PSI_BUFFERS; i++) unchecked((psiCollecting[i] = false));
  for (let s = 0; s < MAX_TRACKS; s++) {
    unchecked((pesLength[s] = 0));
    unchecked((pesActive[s] = false));
    unchecked((pesDamaged[s] = false));
    unchecked((pesExpected[s] = 0));
    unchecked((videoTimed[s] = false));
    restartVideo(s);
    resetAudio(s);
  }
  return true;
}

/** The elementary PID of the output's video track (-1: none). */
export function videoPid(): i32 {
  return unchecked(state[0]) == TrackState.Free ? -1 : unchecked(pid[0]);
}

/** Bytes per packet of the stream (188, 192 or 204). */
export function packetStride(): u32 {
  return stride;
}

export function hasSynced(): bool {
  return everSynced;
}

export function bytesSeen(): f64 {
  return totalBytes;
}

export function addBytesSeen(n: u32): void {
  totalBytes += <f64>n;
}

export function pidOfSlot(slot: i32): i32 {
  return unchecked(pid[slot]);
}
