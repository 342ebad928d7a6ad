// Cues (RFC 9559 §5.1.5): the index of a Matroska file, time → Cluster position, for seeking. The worker fetches
// the Cues element (its position comes from the SeekHead, seekhead.ts in demux.ts) with a range request and hands
// its bytes to parseCues; the table it writes (layout.ts CUES_TABLE_BASE) says where to fetch from for a time.

import { CUES_INPUT_CAPACITY, CUES_TABLE_BASE, CUES_TABLE_ENTRIES, CUES_TABLE_ENTRY } from '../layout';
import { childData, childId, childLength, Id, readChild, readUint } from './ebml';

const enum CueId {
  CuePoint = 0xbb,
  CueTime = 0xb3,
  CueTrackPositions = 0xb7,
  CueTrack = 0xf7,
  CueClusterPosition = 0xf1,
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
  if (!readChild(p, end) || childId != Id.Cues) return -1;
  let q = childData;
  const cuesEnd = childData + childLength;
  let n: i32 = 0;
  while (q < cuesEnd && n < CUES_TABLE_ENTRIES && readChild(q, cuesEnd)) {
    const next = childData + childLength;
    if (childId == CueId.CuePoint) {
      const pointEnd = next;
      let r = childData;
      let time: u64 = 0;
      let position: f64 = -1;
      while (r < pointEnd && readChild(r, pointEnd)) {
        const after = childData + childLength;
        if (childId == CueId.CueTime) time = readUint(childData, childLength);
        else if (childId == CueId.CueTrackPositions && position < 0) {
          let cueTrack: u64 = 0;
          let cluster: f64 = -1;
          let s = childData;
          while (s < after && readChild(s, after)) {
            if (childId == CueId.CueTrack) cueTrack = readUint(childData, childLength);
            else if (childId == CueId.CueClusterPosition) cluster = <f64>readUint(childData, childLength);
            s = childData + childLength;
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
