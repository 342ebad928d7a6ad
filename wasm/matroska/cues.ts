// Cues (RFC 9559 §5.1.5): the index of a Matroska file, time → Cluster position, for seeking. The worker fetches
// the Cues element (its position comes from the SeekHead, seekhead.ts in demux.ts) with a range request and hands
// its bytes to parseCues; the table it writes (layout.ts CUES_TABLE_BASE) says where to fetch from for a time.

import { CUES_INPUT_CAPACITY, CUES_TABLE_BASE, CUES_TABLE_ENTRIES, CUES_TABLE_ENTRY } from '../layout';
import { Id, readId, readSize, readUint, Vint, vintLength, vintUnknown, vintValue } from './ebml';

const enum CueId {
  CuePoint = 0xbb,
  CueTime = 0xb3,
  CueTrackPositions = 0xb7,
  CueTrack = 0xf7,
  CueClusterPosition = 0xf1,
}

/** One child element of [p, end): its ID, data start and length (false when it does not parse). */
let elId: u32 = 0;
let elData: u32 = 0;
let elLength: u32 = 0;
function element(p: u32, end: u32): bool {
  if (readId(p, end) != Vint.Ok) return false;
  elId = <u32>vintValue;
  const q = p + vintLength;
  if (readSize(q, end) != Vint.Ok || vintUnknown) return false;
  elData = q + vintLength;
  if (vintValue < 0 || vintValue > <i64>(end - elData)) return false;
  elLength = <u32>vintValue;
  return true;
}

/**
 * Parses a Cues element at [p, p + len) (its ID first) into the cue table: for each CuePoint that indexes `track`
 * (its TrackNumber; 0: any), [f64 time in seconds][f64 absolute byte position of the Cluster], in file order.
 * `segmentData`: the absolute position of the Segment's data (CueClusterPosition is relative to it);
 * `timestampScale`: ns per tick. Returns the entries written; -1 when the bytes are not a whole Cues element.
 */
export function parseCuesAt(p: u32, len: u32, track: u32, segmentData: f64, timestampScale: f64): i32 {
  if (len > CUES_INPUT_CAPACITY) return -1;
  const end = p + len;
  if (!element(p, end) || elId != Id.Cues) return -1;
  let q = elData;
  const cuesEnd = elData + elLength;
  let n: i32 = 0;
  while (q < cuesEnd && n < CUES_TABLE_ENTRIES && element(q, cuesEnd)) {
    const next = elData + elLength;
    if (elId == CueId.CuePoint) {
      const pointEnd = next;
      let r = elData;
      let time: u64 = 0;
      let position: f64 = -1;
      while (r < pointEnd && element(r, pointEnd)) {
        const after = elData + elLength;
        if (elId == CueId.CueTime) time = readUint(elData, elLength);
        else if (elId == CueId.CueTrackPositions && position < 0) {
          let cueTrack: u64 = 0;
          let cluster: f64 = -1;
          let s = elData;
          while (s < after && element(s, after)) {
            if (elId == CueId.CueTrack) cueTrack = readUint(elData, elLength);
            else if (elId == CueId.CueClusterPosition) cluster = <f64>readUint(elData, elLength);
            s = elData + elLength;
          }
          if (cluster >= 0 && (track == 0 || cueTrack == <u64>track)) position = segmentData + cluster;
        }
        r = after;
      }
      if (position >= 0) {
        const at = CUES_TABLE_BASE + <u32>n * CUES_TABLE_ENTRY;
        store<f64>(at, (<f64>time * timestampScale) / 1e9);
        store<f64>(at + 8, position);
        n++;
      }
    }
    q = next;
  }
  return n;
}
