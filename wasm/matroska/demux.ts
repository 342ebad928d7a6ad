// WebM/Matroska demuxer (RFC 9559 on EBML, RFC 8794), incremental: the input arrives in chunks of any
// size, and every element may be split at any byte. Segment and Cluster may have an unknown size (live
// streams: ffmpeg -live 1, MediaRecorder); such an element ends where an element that cannot be its
// child begins (RFC 8794 §6.2).
//
// What is read: the EBML header (DocType), Info (TimestampScale), Tracks (tracks.ts), Cluster
// Timestamp, SimpleBlock and BlockGroup (Block, BlockDuration, ReferenceBlock) with all three lacings.
// Everything else (SeekHead, Cues, Tags, Chapters, Attachments, Void, CRC-32, unknown IDs) is skipped
// by its size. Frames go to video.ts and audio.ts.
//
// Damage: an ID or size that cannot be, or an element that overflows its parent, starts a search for
// the next element that can be trusted — a Cluster, or a block of a known track whose end is followed
// by another element — so damage costs the blocks it hit, not the rest of the cluster. Nothing waits
// for more input than one block: a size larger than the region it would go to is damage.

import { INPUT_BASE, INPUT_CAPACITY, MAX_EVENTS, MAX_TRACKS, OUTPUT_BUDGET, pesBase, pesCapacity } from '../layout';
import { Fatal, TrackKind, Warn } from '../codes';
import { eventCount, emitWarning, setByteOffset } from '../events';
import { outputLength } from '../mp4/writer';
import { raiseFatal } from '../remux/remuxer';
import { kind } from '../remux/track';
import {
  CLUSTER_HEAD_BYTES,
  childData,
  childId,
  childLength,
  findClusterHead,
  Id,
  readChild,
  readFloat,
  readId,
  readInt,
  readSize,
  readUint,
  Vint,
  vintLength,
  vintUnknown,
  vintValue,
} from './ebml';
import { entryCount, entryNumber, entryOf, entrySlot, readTracks, resetTracks, slotEntry } from './tracks';
import { flushMkvVideo, mkvVideoFrame, resetMkvVideo } from './video';
import { flushMkvAudio, keepAudioGrid, mkvAudioFrame, mkvAudioBlockDone, resetMkvAudio } from './audio';
import { clusterInDoubt, clusterTimestampRead, mediaLost, mkvBlockTime, mkvStaleNs, mkvStaleTaken, resetMkvTimeline } from './timeline';

/** Largest element read whole from the input (EBML header, Info, Tracks): half the input region. */
const MAX_READ_WHOLE: u32 = INPUT_CAPACITY >> 1;
/** A resync candidate block must end within this many bytes to be checked (it must fit the input region). */
const MAX_RESYNC_BLOCK: u32 = INPUT_CAPACITY >> 2;
/** Most laces in one block (RFC 9559 §10.3: the count is one byte + 1). */
const MAX_LACES: i32 = 256;

let consumed: i64 = 0; // input offset of INPUT_BASE
let audioSelection: i32 = -1;
let headerSeen: bool = false;
let tracksSeen: bool = false;
let timestampScale: i64 = 1000000;
/** Info Duration in seconds (NaN: not said, as in live streams). */
let durationSeconds: f64 = NaN;

let inSegment: bool = false;
let segmentEnd: i64 = -1; // absolute; -1: unknown size
/** Absolute position of the Segment's data: SeekHead and Cues positions count from it. */
let segmentData: i64 = 0;
/** Absolute position of the Cues element, from the SeekHead (-1: not said). */
let cuesPosition: i64 = -1;
let inCluster: bool = false;
let clusterEnd: i64 = -1;
let clusterTime: i64 = 0;
let clusterTimeKnown: bool = false;

let inGroup: bool = false;
let groupEnd: i64 = 0;
let groupHasBlock: bool = false;
let groupReference: bool = false;
let groupDuration: i64 = -1;
let groupDiscard: i64 = 0;

/** Bytes of an element being skipped that are still to come. */
let skipLeft: i64 = 0;
/** A block being gathered into its track's reassembly buffer (pesBase(slot)). */
let blockLeft: u32 = 0;
let blockSize: u32 = 0;
let blockSlot: i32 = -1;
let blockSimple: bool = false;
/** Absolute position of the data of the block being read (its track number, then its timestamp). */
let blockDataPos: i64 = 0;

let resyncing: bool = false;
let resyncFrom: i64 = 0;
let deferredWork: bool = false;

const laceStart = new StaticArray<u32>(MAX_LACES);
const laceSize = new StaticArray<u32>(MAX_LACES);

export function resetMatroska(audioTrack: i32): void {
  consumed = 0;
  audioSelection = audioTrack;
  headerSeen = false;
  tracksSeen = false;
  timestampScale = 1000000;
  durationSeconds = NaN;
  inSegment = false;
  segmentEnd = -1;
  segmentData = 0;
  cuesPosition = -1;
  inCluster = false;
  clusterEnd = -1;
  clusterTime = 0;
  clusterTimeKnown = false;
  inGroup = false;
  groupHasBlock = false;
  skipLeft = 0;
  blockLeft = 0;
  blockSlot = -1;
  resyncing = false;
  deferredWork = false;
  resetTracks();
  resetMkvTimeline();
  for (let s = 0; s < MAX_TRACKS; s++) {
    resetMkvVideo(s);
    resetMkvAudio(s);
  }
}

export function matroskaDeferred(): bool {
  return deferredWork;
}

export function matroskaHeaderSeen(): bool {
  return headerSeen;
}

export function matroskaTracksSeen(): bool {
  return tracksSeen;
}

/** Absolute position of the Cues element the SeekHead gave (-1: none). */
export function matroskaCuesPosition(): f64 {
  return <f64>cuesPosition;
}

export function matroskaDuration(): f64 {
  return durationSeconds;
}

export function matroskaSegmentData(): f64 {
  return <f64>segmentData;
}

export function matroskaTimestampScale(): f64 {
  return <f64>timestampScale;
}

/**
 * Seeking in a file: the next byte pushed is at absolute position `offset`, the start of a Cluster of the same
 * Segment (from the Cues; `clusterTimestamp` -1), or a block inside a Cluster whose Timestamp is `clusterTimestamp`
 * (a keyframe found by probeMatroska in a file without Cues). What the stream's headers said (Tracks, TimestampScale, the Segment) is kept; blocks,
 * reordering and audio timing start afresh, and every track configures again at its first frame (video at a
 * keyframe). The remuxer keeps its time origin, so the fragments after the seek sit on the same timeline.
 */
export function seekMatroska(offset: f64, clusterTimestamp: f64): bool {
  if (!tracksSeen || !inSegment) return false;
  consumed = <i64>offset;
  // A block inside a Cluster (a keyframe found by probeMatroska): the Cluster goes on with the Timestamp it had.
  inCluster = clusterTimestamp >= 0;
  clusterEnd = -1;
  clusterTime = clusterTimestamp >= 0 ? <i64>clusterTimestamp : 0;
  clusterTimeKnown = clusterTimestamp >= 0;
  inGroup = false;
  groupHasBlock = false;
  skipLeft = 0;
  blockLeft = 0;
  blockSlot = -1;
  resyncing = false;
  deferredWork = false;
  // The seek's target is a source time (Cues, probeMatroska), and the remuxer's origin is one too: no offset of a jump
  // met before the seek applies after it (timeline.ts).
  resetMkvTimeline();
  for (let s = 0; s < MAX_TRACKS; s++) {
    resetMkvVideo(s);
    keepAudioGrid(s);
  }
  return true;
}

@inline function abs(q: u32): i64 {
  return consumed + <i64>(q - INPUT_BASE);
}

function outputBudgetSpent(): bool {
  return eventCount() > MAX_EVENTS - 1024 || outputLength() > OUTPUT_BUDGET;
}

/** Matroska ticks (TimestampScale ns) to nanoseconds. */
@inline function ticksToNs(t: i64): i64 {
  return t * timestampScale;
}

/**
 * Demuxes [INPUT_BASE, end). Returns the bytes consumed; the rest (an element header or an element read
 * whole that is not complete yet) is kept by the caller for the next call.
 */
export function demuxMatroska(end: u32, final: bool): u32 {
  let q: u32 = INPUT_BASE;
  deferredWork = false;
  while (true) {
    if (skipLeft > 0) {
      const n = <u32>min<i64>(skipLeft, <i64>(end - q));
      q += n;
      skipLeft -= <i64>n;
      if (skipLeft > 0) break;
      continue;
    }
    if (blockLeft > 0) {
      let n = min<u32>(blockLeft, end - q);
      if (blockScanned) {
        // A Cluster head starting inside the block (see startBlock; it may run past the block's end). Positions
        // whose head could run past this input are decided with the next one (their bytes are kept), so the
        // answer does not depend on where chunks end.
        const to = decidedTo(q, q + n, end, final);
        const head = findClusterHead(q, to, end);
        if (head < to) {
          blockCut();
          q = head;
          continue;
        }
        n = to - q;
        if (n == 0) break;
      }
      memory.copy(pesBase(blockSlot) + (blockSize - blockLeft), q, n);
      q += n;
      blockLeft -= n;
      if (blockLeft > 0) break;
      blockGathered();
      continue;
    }
    if (resyncing) {
      resyncKeep = end - q > 16 ? end - 16 : q;
      const skipFirst = resyncSkipFirst;
      const found = findResync(q, end, final);
      if (found == 0xffffffff) {
        // Nothing trustworthy yet: keep the bytes a candidate still needs (or the last few, where
        // the next candidate's header may be cut). The damaged byte itself is never a candidate, so a
        // search that kept it still skips it next time.
        resyncSkipFirst = skipFirst && resyncKeep == q;
        q = final ? end : resyncKeep;
        break;
      }
      q = found;
      resyncing = false;
      mediaLost();
      setByteOffset(<f64>resyncFrom);
      emitWarning(Warn.ElementInvalid, -1, <f64>(abs(q) - resyncFrom));
      continue;
    }
    const pos = abs(q);
    if (inGroup && pos >= groupEnd) {
      finishGroup();
      continue;
    }
    if (inCluster && clusterEnd >= 0 && pos >= clusterEnd) inCluster = false;
    if (inSegment && segmentEnd >= 0 && pos >= segmentEnd) {
      inSegment = false;
      inCluster = false;
    }
    if (q >= end) break;
    if (!final && outputBudgetSpent()) {
      deferredWork = true;
      break;
    }
    // An element header: ID and data size.
    setByteOffset(<f64>pos);
    let r = readId(q, end);
    const id = <u32>vintValue;
    const idLength = vintLength;
    if (r == Vint.Ok) r = readSize(q + idLength, end);
    if (r == Vint.NeedMore) {
      // The header is cut by the end of this input (or of the whole input: reported).
      if (final) {
        truncated(q, end);
        q = end;
      }
      break;
    }
    if (r == Vint.Invalid) {
      startResync(q);
      continue;
    }
    const unknown = vintUnknown;
    const size = vintValue;
    const data = q + idLength + vintLength;
    const dataPos = abs(data);
    // An unknown-size Cluster ends at the first element that is not a Cluster child; an unknown-size
    // Segment at a new EBML header (a chained stream).
    if (inCluster && clusterEnd < 0 && !inGroup && !isClusterChild(id)) inCluster = false;
    if (inSegment && segmentEnd < 0 && id == Id.Ebml) {
      inSegment = false;
      inCluster = false;
    }
    if (unknown && id != Id.Segment && id != Id.Cluster) {
      startResync(q);
      continue;
    }
    // A known size must stay inside its parent.
    if (!unknown) {
      const stop = dataPos + size;
      const parentEnd = inGroup ? groupEnd : inCluster && clusterEnd >= 0 ? clusterEnd : inSegment ? segmentEnd : -1;
      if (parentEnd >= 0 && stop > parentEnd) {
        startResync(q);
        continue;
      }
    }
    if (!inSegment) {
      if (id == Id.Ebml) {
        const got = readWhole(q, data, size, end, final);
        if (got == 0) break;
        if (got == 1) {
          if (!ebmlHeader(data, <u32>size)) return end - INPUT_BASE;
          q = data + <u32>size;
        } else q = end;
        continue;
      }
      if (id == Id.Segment) {
        inSegment = true;
        segmentData = dataPos;
        cuesPosition = -1;
        segmentEnd = unknown ? -1 : dataPos + size;
        inCluster = false;
        q = data;
        continue;
      }
      if (id == Id.Void || id == Id.Crc32) {
        q = skip(data, size, end); // allowed at level 0 too (RFC 8794 §11.3.1)
        continue;
      }
      if (!headerSeen) {
        raiseFatal(Fatal.MatroskaInvalid, -1, 1);
        return end - INPUT_BASE;
      }
      startResync(q); // bytes after a segment that are no new one
      continue;
    }
    if (inGroup) {
      if (id == Id.Block) {
        blockDataPos = dataPos;
        if (!startBlock(data, size, end, final, false)) break;
        if (blockDamaged) {
          startResync(q);
          continue;
        }
        q = skipLeft > 0 ? end : blockLeft > 0 ? data : data + <u32>size;
        continue;
      }
      if (id == Id.BlockDuration || id == Id.ReferenceBlock || id == Id.DiscardPadding) {
        const r = numberElement(q, data, size, end, final);
        if (r == Whole.Invalid) {
          startResync(q);
          continue;
        }
        if (r != Whole.Ready) {
          if (r == Whole.Cut) q = end;
          break;
        }
        if (id == Id.BlockDuration) groupDuration = <i64>readUint(data, <u32>size);
        else if (id == Id.ReferenceBlock) groupReference = true;
        else groupDiscard = readInt(data, <u32>size);
        q = data + <u32>size;
        continue;
      }
      q = skip(data, size, end);
      continue;
    }
    if (inCluster) {
      if (id == Id.Timestamp) {
        const r = numberElement(q, data, size, end, final);
        if (r == Whole.Invalid) {
          startResync(q);
          continue;
        }
        if (r != Whole.Ready) {
          if (r == Whole.Cut) q = end;
          break;
        }
        clusterTime = <i64>readUint(data, <u32>size);
        clusterTimeKnown = true;
        clusterTimestampRead();
        q = data + <u32>size;
        continue;
      }
      if (id == Id.SimpleBlock) {
        blockDataPos = dataPos;
        if (!startBlock(data, size, end, final, true)) break;
        if (blockDamaged) {
          startResync(q);
          continue;
        }
        if (blockCutAt != 0) {
          q = blockCutAt;
          blockCutAt = 0;
          continue;
        }
        q = skipLeft > 0 ? end : blockLeft > 0 ? data : data + <u32>size;
        continue;
      }
      if (!plausibleInCluster(id, size)) {
        startResync(q);
        continue;
      }
      if (id == Id.BlockGroup) {
        inGroup = true;
        groupEnd = dataPos + size;
        groupHasBlock = false;
        groupReference = false;
        groupDuration = -1;
        groupDiscard = 0;
        blockSlot = -1;
        q = data;
        continue;
      }
      q = skip(data, size, end);
      continue;
    }
    // Segment level.
    if (id == Id.Cluster) {
      inCluster = true;
      clusterEnd = unknown ? -1 : dataPos + size;
      clusterTimeKnown = false;
      q = data;
      continue;
    }
    if (id == Id.Info || id == Id.Tracks || (id == Id.SeekHead && size <= 65536)) {
      const got = readWhole(q, data, size, end, final);
      if (got == 0) break;
      if (got == 1) {
        if (id == Id.Info) info(data, <u32>size);
        else if (id == Id.SeekHead) seekHead(data, <u32>size);
        else if (!tracksSeen) {
          if (!readTracks(data, <u32>size, audioSelection)) {
            raiseFatal(Fatal.MatroskaInvalid, -1, 2);
            return end - INPUT_BASE;
          }
          tracksSeen = true;
        }
        q = data + <u32>size;
      } else q = end;
      continue;
    }
    if (id == Id.SimpleBlock || id == Id.BlockGroup) {
      // A block outside any Cluster: the Cluster header was lost (resync landed inside one).
      clusterInDoubt();
      inCluster = true;
      clusterEnd = -1;
      continue;
    }
    if (!isSegmentChild(id)) {
      // Not an element a Segment holds: damage (an unknown ID's size cannot be trusted to skip by).
      startResync(q);
      continue;
    }
    q = skip(data, size, end);
  }
  let done = q > end ? end : q;
  if (final) done = end;
  consumed += <i64>(done - INPUT_BASE);
  return done - INPUT_BASE;
}

const enum Whole {
  Ready = 0, // [data, data + size) is in the input
  Wait = 1, // not yet: the caller keeps the element for the next call
  Cut = 2, // the input ends inside it (reported)
  Invalid = 3, // a number element of more than 8 bytes: damage
}

/** A number element (at most 8 bytes: RFC 8794 §7.1-7.3) read whole from the input. */
function numberElement(q: u32, data: u32, size: i64, end: u32, final: bool): i32 {
  if (size > 8) return Whole.Invalid;
  if (<i64>data + size <= <i64>end) return Whole.Ready;
  if (!final) return Whole.Wait;
  truncated(q, end);
  return Whole.Cut;
}

/** Cluster children (RFC 9559 §5.1.3): anything else ends an unknown-size Cluster. */
function isClusterChild(id: u32): bool {
  return (
    id == Id.Timestamp ||
    id == Id.SimpleBlock ||
    id == Id.BlockGroup ||
    id == Id.Void ||
    id == Id.Crc32 ||
    id == 0xa7 || // Position
    id == 0xab || // PrevSize
    id == 0x5854 || // SilentTracks
    id == 0xaf // EncryptedBlock
  );
}

/** Segment children (RFC 9559 §5.1). */
function isSegmentChild(id: u32): bool {
  return (
    id == Id.SeekHead ||
    id == Id.Info ||
    id == Id.Tracks ||
    id == Id.Cluster ||
    id == Id.Cues ||
    id == Id.Chapters ||
    id == Id.Tags ||
    id == Id.Attachments ||
    id == Id.Void ||
    id == Id.Crc32
  );
}

/**
 * An element read whole from the input (EBML header, Info, Tracks). Returns 1 when [data, data+size)
 * is in the input, 0 when the caller must wait for more (nothing consumed), 2 when it can never be
 * (too large, or cut by the end of input): reported, and the rest of the input is given up.
 */
function readWhole(q: u32, data: u32, size: i64, end: u32, final: bool): i32 {
  if (size > <i64>MAX_READ_WHOLE) {
    raiseFatal(Fatal.MatroskaInvalid, -1, 2);
    return 2;
  }
  if (<i64>data + size <= <i64>end) return 1;
  if (!final) return 0;
  truncated(q, end);
  return 2;
}

/** Skips [data, data+size): what is in this input now, and the rest as it comes. */
function skip(data: u32, size: i64, end: u32): u32 {
  if (<i64>data + size <= <i64>end) return data + <u32>size;
  skipLeft = size - <i64>(end - data);
  return end;
}

/** The EBML header (RFC 8794 §11.2): the DocType must be webm or matroska. */
function ebmlHeader(p: u32, len: u32): bool {
  const end = p + len;
  let docOk = true;
  while (p < end && readChild(p, end)) {
    if (childId == Id.DocType) docOk = isDocType(childData, childLength, 'webm') || isDocType(childData, childLength, 'matroska');
    p = childData + childLength;
  }
  if (!docOk) {
    raiseFatal(Fatal.MatroskaInvalid, -1, 1);
    return false;
  }
  headerSeen = true;
  return true;
}

function isDocType(p: u32, len: u32, s: string): bool {
  while (len > 0 && load<u8>(p + len - 1) == 0) len--;
  if (len != <u32>s.length) return false;
  for (let i: u32 = 0; i < len; i++) if (<u32>load<u8>(p + i) != <u32>s.charCodeAt(i)) return false;
  return true;
}

/** SeekHead (RFC 9559 §5.1.1): where the Cues are (SeekID 1C 53 BB 6B, SeekPosition from the Segment's data). */
function seekHead(p: u32, len: u32): void {
  const end = p + len;
  while (p < end && readChild(p, end)) {
    const seekEnd = childData + childLength;
    if (childId == 0x4dbb) {
      // Seek: SeekID (0x53AB, the element ID's bytes), SeekPosition (0x53AC).
      let target: u32 = 0;
      let position: i64 = -1;
      let r = childData;
      while (r < seekEnd && readChild(r, seekEnd)) {
        if (childId == 0x53ab) target = <u32>readUint(childData, childLength);
        else if (childId == 0x53ac) position = <i64>readUint(childData, childLength);
        r = childData + childLength;
      }
      if (target == Id.Cues && position >= 0 && cuesPosition < 0) cuesPosition = segmentData + position;
    }
    p = seekEnd;
  }
}

/** Info (RFC 9559 §5.1.2): TimestampScale. */
function info(p: u32, len: u32): void {
  const end = p + len;
  let duration: f64 = NaN;
  while (p < end && readChild(p, end)) {
    if (childId == Id.TimestampScale) {
      const scale = <i64>readUint(childData, childLength);
      // 0 is invalid; above 1 s per tick nothing real exists (and products below must not overflow).
      if (scale > 0 && scale <= 1000000000) timestampScale = scale;
    } else if (childId == Id.Duration) duration = readFloat(childData, childLength); // in ticks of TimestampScale
    p = childData + childLength;
  }
  // A player shows it and seeks within it (the MediaSource's duration); remuxing does not need it.
  if (duration > 0 && duration < 1e15) durationSeconds = (duration * <f64>timestampScale) / 1e9;
}

/**
 * A SimpleBlock or Block of `size` bytes at data. Processes it in place when it is whole in the input
 * (SimpleBlock), or starts gathering it. Returns false when the caller must wait for the block's track
 * number (nothing consumed).
 */
function startBlock(data: u32, size64: i64, end: u32, final: bool, simple: bool): bool {
  blockSlot = -1;
  blockDamaged = false;
  blockScanned = false;
  // In an unknown-size Cluster nothing vouches for a block's size (a known size was checked against its
  // parent's end): one larger than any block weir takes is damage, and skipping it by that size would lose
  // megabytes of good stream. The search for the next trustworthy element costs this block alone.
  if (clusterEnd < 0 && !inGroup && size64 > <i64>MAX_RESYNC_BLOCK) {
    if (readSize(data, end) == Vint.NeedMore && !final) return false; // the track number is cut: wait
    const slot = blockTrackSlot(data, end);
    if (slot >= 0 ? size64 > <i64>pesCapacity(slot) : true) {
      emitWarning(Warn.BlockInvalid, slot, <f64>size64);
      blockDamaged = true;
      return true;
    }
  }
  const size = <u32>min<i64>(size64, <i64>0xffffffff);
  const r = readSize(data, min<u32>(end, data + size));
  if (r == Vint.NeedMore && data + size > end && !final) return false; // the track number is cut: wait
  if (r != Vint.Ok) {
    emitWarning(Warn.BlockInvalid, -1, <f64>size);
    skip(data, size64, end);
    return true;
  }
  const entry = entryOf(<u64>vintValue);
  const slot = entry >= 0 ? unchecked(entrySlot[entry]) : -1;
  if (slot < 0 || !clusterTimeKnown) {
    // A track that is not output (subtitles, a second video, VP8...), or a block before any Cluster
    // Timestamp; a track number Tracks did not declare is damage.
    if (entry < 0 && entryCount > 0) {
      // A track number Tracks did not declare: the block header is damage, and so may its size be.
      emitWarning(Warn.BlockInvalid, -1, <f64>size);
      blockDamaged = true;
      return true;
    }
    skip(data, size64, end);
    return true;
  }
  if (size > pesCapacity(slot)) {
    emitWarning(Warn.BlockInvalid, slot, <f64>size);
    skip(data, size64, end);
    return true;
  }
  blockSlot = slot;
  blockSimple = simple;
  // In an unknown-size Cluster a SimpleBlock's size is vouched for by nothing but itself: a Cluster cut inside a
  // block (the rest of it lost) leaves the block's size running over the next Cluster's head. A block cannot hold
  // one (RFC 9559 §5.1.3: Clusters are Segment children; an unknown-size Cluster ends at the next Cluster's ID,
  // RFC 8794 §6.2), so one found inside is damage: the block is lost and the Cluster read, its Timestamp with it.
  // Read across it instead, every block after would be timed against the Cluster before.
  blockScanned = simple && clusterEnd < 0 && !inGroup;
  // (Scanned here when every position of the block can be decided with this input, else as gathered.)
  if (simple && data + size <= end && (!blockScanned || decidedTo(data, data + size, end, final) == data + size)) {
    if (blockScanned) {
      const head = findClusterHead(data, data + size, end);
      if (head < data + size) {
        blockSize = size;
        blockCut();
        blockCutAt = head;
        return true;
      }
    }
    block(slot, data, size, simple);
    return true;
  }
  // Gathered by demuxMatroska from data on.
  blockSize = size;
  blockLeft = size;
  if (blockLeft == 0) blockGathered();
  return true;
}

/**
 * How far in [q, stop) a Cluster head can be looked for with the input ending at `end`: a position can be told when
 * the bytes its head would take are in (CLUSTER_HEAD_BYTES), or when it is no head's first byte; the rest waits.
 */
function decidedTo(q: u32, stop: u32, end: u32, final: bool): u32 {
  if (final) return stop;
  const safe = end - min<u32>(end - q, CLUSTER_HEAD_BYTES - 1);
  if (stop <= safe) return stop;
  for (let p = safe; p < stop; p++) if (load<u8>(p) == 0x1f) return p;
  return stop;
}

/** Set by startBlock: the block being gathered is checked for a Cluster head inside it. */
let blockScanned: bool = false;
/** Set by startBlock: where the Cluster head found inside the block starts (0: none). */
let blockCutAt: u32 = 0;

/** A Cluster head was found inside the block: the block is damage and lost, and so is the media after it. */
function blockCut(): void {
  setByteOffset(<f64>blockDataPos);
  emitWarning(Warn.BlockInvalid, blockSlot, <f64>blockSize);
  blockLeft = 0;
  blockScanned = false;
  mediaLost();
}

/** Set by startBlock: the block's header or size is damage; the caller starts a resync at its element. */
let blockDamaged: bool = false;

/** The output slot of the block at data (its track number, if in this input), or -1. */
function blockTrackSlot(data: u32, end: u32): i32 {
  if (readSize(data, end) != Vint.Ok) return -1;
  const entry = entryOf(<u64>vintValue);
  return entry >= 0 ? unchecked(entrySlot[entry]) : -1;
}

/**
 * Whether a Cluster child (other than Timestamp and SimpleBlock, checked where they are read) can have this size.
 * Number elements are at most 8 bytes (RFC 8794 §7.1-7.2: PrevSize, Position), CRC-32 is 4 (§11.3.1.1). In an
 * unknown-size Cluster a BlockGroup, Void or other child larger than any block weir takes is damage too: nothing
 * else bounds it, and skipping it by that size would lose megabytes of good stream (a few bytes of damage reading
 * as an element ID and a large size).
 */
function plausibleInCluster(id: u32, size: i64): bool {
  if (id == 0xab || id == 0xa7) return size <= 8; // PrevSize, Position
  if (id == Id.Crc32) return size == 4;
  if (clusterEnd < 0 && !inGroup) return size <= <i64>MAX_RESYNC_BLOCK;
  return true;
}

function blockGathered(): void {
  if (blockSimple) block(blockSlot, pesBase(blockSlot), blockSize, true);
  else groupHasBlock = true;
}

/** The BlockGroup ended: its Block is a keyframe unless a ReferenceBlock said otherwise. */
function finishGroup(): void {
  inGroup = false;
  if (groupHasBlock && blockSlot >= 0) block(blockSlot, pesBase(blockSlot), blockSize, false);
  groupHasBlock = false;
}

/**
 * One block (RFC 9559 §10.2 Block structure): track number, int16 timestamp relative to the Cluster,
 * flags, lacing; then each frame to its track.
 */
function block(slot: i32, p: u32, len: u32, simple: bool): void {
  const end = p + len;
  readSize(p, end);
  let h = p + vintLength;
  if (h + 3 > end) {
    emitWarning(Warn.BlockInvalid, slot, <f64>len);
    return;
  }
  const rel = <i64>(<i16>((<u32>load<u8>(h) << 8) | <u32>load<u8>(h + 1)));
  const flags = <u32>load<u8>(h + 2);
  h += 3;
  const key = simple ? (flags & 0x80) != 0 : !groupReference;
  const lacing = (flags >> 1) & 3;
  let count: i32 = 1;
  if (lacing == 0) {
    unchecked((laceStart[0] = h));
    unchecked((laceSize[0] = end - h));
  } else {
    if (h >= end) {
      emitWarning(Warn.BlockInvalid, slot, <f64>len);
      return;
    }
    count = <i32>load<u8>(h) + 1;
    h++;
    if (!laces(h, end, lacing, count)) {
      emitWarning(Warn.BlockInvalid, slot, <f64>len);
      return;
    }
  }
  // What its time costs is reported at its timestamp (a damaged block time is the bytes at fault).
  setByteOffset(<f64>(blockDataPos + <i64>(h - 3 - p)));
  // On the output clock: across a jump of the source clock (timeline.ts), the frames go on where they were; a
  // Cluster read against a stale Timestamp is moved first.
  let timeNs = mkvBlockTime(slot, ticksToNs(clusterTime + rel), count, timestampScale);
  if (mkvStaleNs != 0) {
    clusterTime += mkvStaleNs / timestampScale;
    mkvStaleTaken();
    timeNs = mkvBlockTime(slot, ticksToNs(clusterTime + rel), count, timestampScale);
  }
  const duration = !simple && groupDuration >= 0 ? ticksToNs(groupDuration) : -1;
  const video = unchecked(kind[slot]) == TrackKind.Video;
  for (let i = 0; i < count; i++) {
    const fp = unchecked(laceStart[i]);
    const fl = unchecked(laceSize[i]);
    if (video) mkvVideoFrame(slot, fp, fl, timeNs, key, i, duration);
    else {
      // DiscardPadding: a positive value trims the end of the block's last frame, a negative one the start of
      // its first (RFC 9559, element 0x75A2); it is counted in nanoseconds, not in TimestampScale ticks.
      const discard = simple ? 0 : groupDiscard > 0 ? (i == count - 1 ? groupDiscard : 0) : i == 0 ? groupDiscard : 0;
      mkvAudioFrame(slot, fp, fl, timeNs, i, duration, discard);
    }
  }
  if (!video) mkvAudioBlockDone(slot);
}

/**
 * Lace sizes (RFC 9559 §10.3): Xiph (1), fixed (2) and EBML (3). Fills laceStart/laceSize from h, the
 * byte after the lace count; false when the sizes do not fit the block.
 */
function laces(h: u32, end: u32, lacing: u32, count: i32): bool {
  let total: u64 = 0;
  if (lacing == 1) {
    for (let i = 0; i < count - 1; i++) {
      let n: u32 = 0;
      while (true) {
        if (h >= end) return false;
        const b = <u32>load<u8>(h++);
        n += b;
        if (b != 255) break;
      }
      unchecked((laceSize[i] = n));
      total += <u64>n;
    }
  } else if (lacing == 3) {
    let prev: i64 = 0;
    for (let i = 0; i < count - 1; i++) {
      if (readLace(h, end, i > 0) != Vint.Ok) return false;
      h += vintLength;
      const n = i == 0 ? vintValue : prev + vintValue;
      if (n < 0 || n > <i64>(end - h)) return false;
      unchecked((laceSize[i] = <u32>n));
      prev = n;
      total += <u64>n;
    }
  } else {
    const body = end - h;
    if (body % <u32>count != 0) return false;
    const each = body / <u32>count;
    for (let i = 0; i < count; i++) unchecked((laceSize[i] = each));
    total = <u64>each * <u64>(count - 1);
  }
  if (total > <u64>(end - h)) return false;
  unchecked((laceSize[count - 1] = <u32>(<u64>(end - h) - total)));
  let at = h;
  for (let i = 0; i < count; i++) {
    unchecked((laceStart[i] = at));
    at += unchecked(laceSize[i]);
  }
  return true;
}

/** An EBML lace size: the first unsigned, the others signed differences (RFC 9559 §10.3.3). */
function readLace(p: u32, end: u32, signed: bool): i32 {
  const r = readSize(p, end);
  if (r != Vint.Ok) return r;
  if (vintUnknown) return Vint.Invalid;
  if (signed) vintValue -= (<i64>1 << (<i64>(7 * vintLength) - 1)) - 1;
  return Vint.Ok;
}

/** Damage at q: the open block or group is lost; the search for the next trustworthy element starts. */
function startResync(q: u32): void {
  if (!resyncing) resyncFrom = abs(q);
  resyncing = true;
  resyncSkipFirst = true;
  if (inGroup) {
    inGroup = false;
    groupHasBlock = false;
  }
  blockLeft = 0;
  skipLeft = 0;
}

/**
 * The next position at or after q + 1 where a trustworthy element starts: a Cluster or an EBML
 * header, or a SimpleBlock/BlockGroup of an output track whose end is followed by another element
 * (or the end of input). 0xffffffff when there is none in [q, end) yet.
 */
function findResync(q: u32, end: u32, final: bool): u32 {
  const from = resyncSkipFirst ? q + 1 : q;
  resyncSkipFirst = false;
  for (let p = from; p < end; p++) {
    const b = <u32>load<u8>(p);
    if (b == 0x1f || b == 0x1a) {
      if (p + 4 > end) return final ? 0xffffffff : waitAt(p);
      const id = (b << 24) | (<u32>load<u8>(p + 1) << 16) | (<u32>load<u8>(p + 2) << 8) | <u32>load<u8>(p + 3);
      if (id == Id.Cluster) {
        if (readSize(p + 4, end) == Vint.NeedMore) return final ? 0xffffffff : waitAt(p);
        inCluster = false;
        inGroup = false;
        return p;
      }
      if (id == Id.Ebml) {
        inSegment = false;
        inCluster = false;
        inGroup = false;
        return p;
      }
      continue;
    }
    if ((b != Id.SimpleBlock && b != Id.BlockGroup) || !clusterTimeKnown || !tracksSeen) continue;
    const r = readSize(p + 1, end);
    if (r == Vint.NeedMore) return final ? 0xffffffff : waitAt(p);
    if (r != Vint.Ok || vintUnknown || vintValue < 4 || vintValue > <i64>MAX_RESYNC_BLOCK) continue;
    const data = p + 1 + vintLength;
    const stop = <i64>data + vintValue;
    let body = data;
    if (b == Id.BlockGroup) {
      // Its first child should be the Block.
      if (data + 2 > end) return final ? 0xffffffff : waitAt(p);
      if (load<u8>(data) != Id.Block) continue;
      const rb = readSize(data + 1, end);
      if (rb == Vint.NeedMore && !final) return waitAt(p); // decided when the rest arrives, as with all of it here
      if (rb != Vint.Ok || vintUnknown) continue;
      body = data + 1 + vintLength;
    }
    const rt = readSize(body, end);
    if (rt == Vint.NeedMore && !final) return waitAt(p);
    if (rt != Vint.Ok || vintUnknown) continue;
    const entry = entryOf(<u64>vintValue);
    if (entry < 0) continue;
    if (stop > <i64>end) {
      if (final) continue;
      return waitAt(p);
    }
    // What follows must be an element a Cluster or Segment holds next, or the end of input.
    const s = <u32>stop;
    if (s == end) {
      if (final) return adoptBlock(p);
      return waitAt(p);
    }
    const n = <u32>load<u8>(s);
    if (n == Id.SimpleBlock || n == Id.BlockGroup || n == Id.Void) return adoptBlock(p);
    if (n == 0x1f || n == 0x1c || n == 0x12) {
      if (s + 4 > end) return final ? adoptBlock(p) : waitAt(p);
      const id = (n << 24) | (<u32>load<u8>(s + 1) << 16) | (<u32>load<u8>(s + 2) << 8) | <u32>load<u8>(s + 3);
      if (id == Id.Cluster || id == Id.Cues || id == Id.Tags) return adoptBlock(p);
    }
  }
  return 0xffffffff;
}

/** Where the search goes on in the next call: bytes from here are kept. */
let resyncKeep: u32 = 0;
/** The first search after damage starts after the damaged byte; later ones where the last stopped. */
let resyncSkipFirst: bool = false;

/** A resync candidate at p needs bytes past the end of this input: the search goes on from p next call. */
function waitAt(p: u32): u32 {
  resyncKeep = p;
  return 0xffffffff;
}

/** The resync landed on a block inside a Cluster whose end is no longer known. */
function adoptBlock(p: u32): u32 {
  clusterInDoubt();
  inCluster = true;
  clusterEnd = -1;
  inGroup = false;
  return p;
}

/** The input ended inside an element at q. */
function truncated(q: u32, end: u32): void {
  setByteOffset(<f64>abs(q));
  emitWarning(Warn.TruncatedInput, -1, <f64>(end - q));
}

/** End of input: a block still being gathered is cut short (reported), queued frames go out. */
export function flushMatroska(): void {
  if (blockLeft > 0) {
    emitWarning(Warn.IncompleteAccessUnit, blockSlot, <f64>(blockSize - blockLeft));
    blockLeft = 0;
  }
  for (let s = 0; s < MAX_TRACKS; s++) {
    flushMkvAudio(s);
    flushMkvVideo(s);
  }
}

/** probeMatroska's answers: the first Cluster's Timestamp in the window (-1: none), and the last video keyframe. */
export let probeClusterTime: f64 = -1;
export let probeKeyBlockOffset: f64 = -1;
export let probeKeyBlockTime: f64 = -1;
export let probeKeyClusterTime: f64 = -1;

/**
 * Seeking in a file without Cues: scans a window of the file [p, end) for Clusters (an ID with a size, then its
 * Timestamp) and walks each one's children: the first Cluster's Timestamp, and the last video keyframe (a SimpleBlock
 * with its keyframe flag, or a BlockGroup without ReferenceBlock) whose time is at or before `target` (ticks), with
 * its offset in the window and its Cluster's Timestamp. Returns the number of Clusters found.
 */
export function probeMatroska(p: u32, end: u32, target: i64): i32 {
  probeClusterTime = -1;
  probeKeyBlockOffset = -1;
  probeKeyBlockTime = -1;
  probeKeyClusterTime = -1;
  if (!tracksSeen) return -1;
  const videoEntry = unchecked(slotEntry[0]);
  if (videoEntry < 0) return 0;
  const videoNumber = <u64>unchecked(entryNumber[videoEntry]);
  let clusters: i32 = 0;
  let q = p;
  while (q + 8 < end) {
    if (load<u8>(q) != 0x1f || load<u8>(q + 1) != 0x43 || load<u8>(q + 2) != 0xb6 || load<u8>(q + 3) != 0x75) {
      q++;
      continue;
    }
    if (readSize(q + 4, end) != Vint.Ok) break;
    const unknown = vintUnknown;
    const data = q + 4 + vintLength;
    const stop: u32 = unknown || <i64>data + vintValue > <i64>end ? end : data + <u32>vintValue;
    // Its first child must be the Timestamp (RFC 9559 §5.1.3.1 is mandatory; muxers write it first).
    if (readId(data, stop) != Vint.Ok || <u32>vintValue != Id.Timestamp) {
      q++;
      continue;
    }
    const t = data + vintLength;
    if (readSize(t, stop) != Vint.Ok || vintUnknown || vintValue > 8 || <i64>t + vintLength + vintValue > <i64>stop) {
      q++;
      continue;
    }
    const time = <i64>readUint(t + vintLength, <u32>vintValue);
    if (clusters == 0) probeClusterTime = <f64>time;
    clusters++;
    // Its children, in order, until the Cluster ends (an unknown size: at the next Cluster or the window's end).
    let c = t + vintLength + <u32>vintValue;
    while (c < stop) {
      if (readId(c, stop) != Vint.Ok) break;
      const id = <u32>vintValue;
      if (id == Id.Cluster) break;
      const sizeAt = c + vintLength;
      if (readSize(sizeAt, stop) != Vint.Ok || vintUnknown) break;
      const body = sizeAt + vintLength;
      if (<i64>body + vintValue > <i64>stop) break;
      const next = body + <u32>vintValue;
      let block: u32 = 0;
      let key = false;
      if (id == Id.SimpleBlock) {
        block = body;
        key = true; // decided by the flags below
      } else if (id == Id.BlockGroup) {
        key = true;
        let g = body;
        while (g < next) {
          if (readId(g, next) != Vint.Ok) break;
          const gid = <u32>vintValue;
          const gs = g + vintLength;
          if (readSize(gs, next) != Vint.Ok || vintUnknown) break;
          const gdata = gs + vintLength;
          if (<i64>gdata + vintValue > <i64>next) break;
          if (gid == Id.Block) block = gdata;
          else if (gid == Id.ReferenceBlock) key = false;
          g = gdata + <u32>vintValue;
        }
      }
      if (block != 0 && readSize(block, next) == Vint.Ok && <u64>vintValue == videoNumber) {
        const h = block + vintLength;
        if (h + 3 <= next) {
          const rel = <i64>(<i16>((<u32>load<u8>(h) << 8) | <u32>load<u8>(h + 1)));
          if (id == Id.SimpleBlock) key = (load<u8>(h + 2) & 0x80) != 0;
          if (key && time + rel <= target) {
            probeKeyBlockOffset = <f64>(c - p);
            probeKeyBlockTime = <f64>(time + rel);
            probeKeyClusterTime = <f64>time;
          }
        }
      }
      c = next;
    }
    q = c > q ? c : q + 1;
  }
  return clusters;
}
