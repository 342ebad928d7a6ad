#!/usr/bin/env python3
"""Write the expected summary (<name>.json) of a WebM/Matroska fixture.

The Matroska counterpart of fixture-summary.py (which handles MPEG-TS and calls this script for .webm/.mkv files).
The summary is the golden expectation weir's tests compare against, so it comes from tools that share no code with
weir:

* ffprobe: per stream the packet count, first/last pts, first dts, most common duration, width/height, sample rate,
  channels; the format's start time and duration.
* an EBML walk of the file's bytes in this script (RFC 8794 EBML, RFC 9559 Matroska):
  - the EBML header's DocType, Info's TimestampScale, whether the Segment and Clusters have the unknown size (all
    VINT_DATA bits set, RFC 8794 6.2), the Clusters, Cues and SeekHead, every CRC-32 element (checked);
  - per TrackEntry: TrackNumber, CodecID, CodecPrivate (length, hex when short), CodecDelay, SeekPreRoll,
    DefaultDuration, and per track the blocks: SimpleBlock vs BlockGroup, keyframes, lacing (RFC 9559 10.3-10.5:
    Xiph, EBML, fixed-size), BlockDuration, ReferenceBlock, DiscardPadding;
  - the RFC 6381 codec string, from CodecPrivate or the first frame (see codec_string()).
  The walk is cross-checked against ffprobe: stream count and order, codec names, and packet by packet the pts
  (in the stream's time base), size and key flag of every frame after unlacing. Any mismatch fails loudly.

Usage:
  mkv-summary.py FILE [FILE ...]           write FILE.json (FILE minus its extension + .json) beside each file
  mkv-summary.py --stdout FILE             print the summary instead of writing it (the test compares the two)
  mkv-summary.py --made-by JSON [--stdout] FILE
                                           a file made by rewriting another (scripts/mkv-rewrite.py): JSON says
                                           how; its claims are checked against the walk and stored as "madeBy"
  mkv-summary.py --damage JSON [--stdout] FILE
                                           a file damaged on purpose (JSON from mkv-rewrite.py --garbage /
                                           --bad-block-size): the walk must find exactly that damage; stored as
                                           "damage"
  mkv-summary.py --dump FILE               print the element tree (for people; blocks are summarised)
Only the Python standard library is used.
"""

import importlib.util
import json
import os
import struct
import subprocess
import sys
import zlib
from collections import Counter

# The MPEG-TS summary script's codec parsers (H.264/HEVC SPS, AC-3, MPEG audio headers) are reused: they read
# elementary-stream bytes, whatever the container.
_spec = importlib.util.spec_from_file_location("fixture_summary",
                                               os.path.join(os.path.dirname(__file__), "fixture-summary.py"))
ts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ts)
check, seconds, BitReader = ts.check, ts.seconds, ts.BitReader

# --- EBML (RFC 8794) -------------------------------------------------------------------------------------------

# Element IDs (with their length marker bits, as written) of RFC 8794 and RFC 9559 that this script reads, with
# their EBML type: m master, u unsigned, i signed, f float, s string, 8 UTF-8, b binary, d date.
ELEMENTS = {
    0x1A45DFA3: ("EBML", "m"), 0x4286: ("EBMLVersion", "u"), 0x42F7: ("EBMLReadVersion", "u"),
    0x42F2: ("EBMLMaxIDLength", "u"), 0x42F3: ("EBMLMaxSizeLength", "u"), 0x4282: ("DocType", "s"),
    0x4287: ("DocTypeVersion", "u"), 0x4285: ("DocTypeReadVersion", "u"),
    0xEC: ("Void", "b"), 0xBF: ("CRC-32", "b"),
    0x18538067: ("Segment", "m"),
    0x114D9B74: ("SeekHead", "m"), 0x4DBB: ("Seek", "m"), 0x53AB: ("SeekID", "b"), 0x53AC: ("SeekPosition", "u"),
    0x1549A966: ("Info", "m"), 0x2AD7B1: ("TimestampScale", "u"), 0x4489: ("Duration", "f"),
    0x4D80: ("MuxingApp", "8"), 0x5741: ("WritingApp", "8"), 0x73A4: ("SegmentUUID", "b"), 0x4461: ("DateUTC", "d"),
    0x1654AE6B: ("Tracks", "m"), 0xAE: ("TrackEntry", "m"), 0xD7: ("TrackNumber", "u"), 0x73C5: ("TrackUID", "u"),
    0x83: ("TrackType", "u"), 0xB9: ("FlagEnabled", "u"), 0x88: ("FlagDefault", "u"), 0x55AA: ("FlagForced", "u"),
    0x9C: ("FlagLacing", "u"), 0x23E383: ("DefaultDuration", "u"), 0x86: ("CodecID", "s"),
    0x63A2: ("CodecPrivate", "b"), 0x56AA: ("CodecDelay", "u"), 0x56BB: ("SeekPreRoll", "u"),
    0x22B59C: ("Language", "s"), 0x536E: ("Name", "8"),
    0xE0: ("Video", "m"), 0xB0: ("PixelWidth", "u"), 0xBA: ("PixelHeight", "u"), 0x54B0: ("DisplayWidth", "u"),
    0x54BA: ("DisplayHeight", "u"), 0x54B2: ("DisplayUnit", "u"), 0x9A: ("FlagInterlaced", "u"),
    0x55B0: ("Colour", "m"),
    0xE1: ("Audio", "m"), 0xB5: ("SamplingFrequency", "f"), 0x78B5: ("OutputSamplingFrequency", "f"),
    0x9F: ("Channels", "u"), 0x6264: ("BitDepth", "u"),
    0x6D80: ("ContentEncodings", "m"), 0x6240: ("ContentEncoding", "m"), 0x5031: ("ContentEncodingOrder", "u"),
    0x5032: ("ContentEncodingScope", "u"), 0x5033: ("ContentEncodingType", "u"), 0x5034: ("ContentCompression", "m"),
    0x4254: ("ContentCompAlgo", "u"), 0x4255: ("ContentCompSettings", "b"),
    0x1F43B675: ("Cluster", "m"), 0xE7: ("Timestamp", "u"), 0xA7: ("Position", "u"), 0xAB: ("PrevSize", "u"),
    0xA3: ("SimpleBlock", "b"), 0xA0: ("BlockGroup", "m"), 0xA1: ("Block", "b"), 0x9B: ("BlockDuration", "u"),
    0xFB: ("ReferenceBlock", "i"), 0x75A2: ("DiscardPadding", "i"), 0x75A1: ("BlockAdditions", "m"),
    0x1C53BB6B: ("Cues", "m"), 0xBB: ("CuePoint", "m"), 0xB3: ("CueTime", "u"), 0xB7: ("CueTrackPositions", "m"),
    0xF7: ("CueTrack", "u"), 0xF1: ("CueClusterPosition", "u"), 0xF0: ("CueRelativePosition", "u"),
    0xB2: ("CueDuration", "u"), 0x5378: ("CueBlockNumber", "u"),
    0x1254C367: ("Tags", "m"), 0x7373: ("Tag", "m"), 0x63C0: ("Targets", "m"), 0x67C8: ("SimpleTag", "m"),
    0x45A3: ("TagName", "8"), 0x4487: ("TagString", "8"), 0x63C5: ("TagTrackUID", "u"),
    0x1043A770: ("Chapters", "m"), 0x1941A469: ("Attachments", "m"),
}
ID = {name: eid for eid, (name, _) in ELEMENTS.items()}
# The Segment's children (RFC 9559 5.1.1-5.1.8): an unknown-size Cluster ends where one of these (or another
# Cluster, or a new EBML header) begins (RFC 8794 6.2: the first element that is not a valid child ends it).
TOP_LEVEL = {ID[n] for n in ("SeekHead", "Info", "Tracks", "Cluster", "Cues", "Tags", "Chapters", "Attachments")}
CLUSTER_CHILDREN = {ID[n] for n in ("Timestamp", "Position", "PrevSize", "SimpleBlock", "BlockGroup", "Void",
                                    "CRC-32")}
LACING = {0: "none", 1: "xiph", 2: "fixed", 3: "ebml"}  # Block header flags bits 1-2 (RFC 9559 10.1, 10.2)
MATROSKA_TIME_BASE = 1_000_000_000  # ns


class EbmlError(ValueError):
    """A structural problem at a byte offset (invalid ID or size, an element that overruns its parent)."""

    def __init__(self, offset, reason):
        super().__init__(f"offset {offset}: {reason}")
        self.offset, self.reason = offset, reason


def read_vint(data, pos, is_id=False):
    """(length, value) of a variable-size integer at pos (RFC 8794 4). For an ID the marker bit is kept (IDs are
    written with it); for a size it is removed and None means the unknown size (every VINT_DATA bit set)."""
    if pos >= len(data):
        raise EbmlError(pos, "end of file inside an element header")
    first = data[pos]
    length = 8 - first.bit_length() + 1 if first else 9
    if length > (4 if is_id else 8):  # EBMLMaxIDLength 4, EBMLMaxSizeLength 8 in every Matroska file
        raise EbmlError(pos, f"invalid {'ID' if is_id else 'size'} first byte 0x{first:02x}")
    if pos + length > len(data):
        raise EbmlError(pos, "end of file inside an element header")
    value = int.from_bytes(data[pos:pos + length], "big")
    if is_id:
        return length, value
    value &= (1 << (7 * length)) - 1
    return length, (None if value == (1 << (7 * length)) - 1 else value)


class Element:
    """One element: id, name, offset (of its ID), data (offset of its body), size (None: unknown), end."""

    __slots__ = ("id", "name", "type", "offset", "data", "size", "end", "children")

    def __init__(self, eid, offset, data_offset, size, end):
        self.id, self.offset, self.data, self.size, self.end = eid, offset, data_offset, size, end
        self.name, self.type = ELEMENTS.get(eid, (f"0x{eid:X}", "b"))
        self.children = []

    def child(self, name):
        return next((c for c in self.children if c.name == name), None)

    def all(self, name):
        return [c for c in self.children if c.name == name]


class Walk:
    """The element tree of a Matroska file, read with the RFC 8794 rules, plus what went wrong where.

    anomalies: [{"offset", "in", "reason", "resumedAt"}]: a child of a Cluster that cannot be read (invalid ID or
    size, or an element overrunning the Cluster); the walk looks for the next offset where a SimpleBlock or BlockGroup
    of a known track (whose size fits) or a top-level element starts, and goes on from there ("resumedAt"). Only a
    damaged fixture may have any.
    """

    def __init__(self, data):
        self.data = data
        self.anomalies = []
        self.track_numbers = set()
        self.roots = self._children(0, len(data), None)

    def _header(self, pos, limit):
        id_len, eid = read_vint(self.data, pos, is_id=True)
        size_len, size = read_vint(self.data, pos + id_len)
        start = pos + id_len + size_len
        if size is not None and start + size > limit:
            raise EbmlError(pos, f"{ELEMENTS.get(eid, (hex(eid),))[0]} of {size} bytes overruns its parent "
                                 f"(ends at {start + size}, parent at {limit})")
        return eid, start, size

    def _children(self, pos, end, parent):
        out = []
        while pos < end:
            try:
                eid, start, size = self._header(pos, end)
                if parent is not None and parent.name == "Cluster" and eid not in CLUSTER_CHILDREN:
                    if parent.size is None and (eid in TOP_LEVEL or eid == ID["EBML"]):
                        break  # the end of an unknown-size Cluster
                    raise EbmlError(pos, f"0x{eid:X} is not a child of a Cluster")
                if parent is not None and parent.name == "Segment" and parent.size is None and eid == ID["EBML"]:
                    break
            except EbmlError as e:
                if parent is None or parent.name != "Cluster":
                    raise
                resumed = self._resync(pos + 1, end)
                self.anomalies.append({"offset": e.offset, "in": f"Cluster at {parent.offset}",
                                       "reason": e.reason, "resumedAt": resumed})
                pos = resumed
                if pos >= end or self._starts_top_level(pos):
                    break
                continue
            el = Element(eid, pos, start, size, start + size if size is not None else None)
            if el.type == "m":
                el.children = self._children(start, start + size if size is not None else end, el)
                if size is None:
                    el.end = el.children[-1].end if el.children else start
            out.append(el)
            if el.name == "TrackNumber":
                self.track_numbers.add(self.uint(el))
            pos = el.end
        return out

    def _starts_top_level(self, pos):
        try:
            eid, _, _ = self._header(pos, len(self.data))
            return eid in TOP_LEVEL
        except EbmlError:
            return False

    def _resync(self, pos, end):
        """The next offset in [pos, end) where a Cluster child we can trust, or a top-level element, starts: a
        SimpleBlock/BlockGroup whose size fits and whose block header names a known track, followed by another such
        element or by the end of the Cluster."""
        while pos < end:
            if self._plausible(pos, end, 2):
                return pos
            pos += 1
        return end

    def _plausible(self, pos, end, depth):
        if pos == end:
            return True
        try:
            eid, start, size = self._header(pos, end)
        except EbmlError:
            return False
        if eid in TOP_LEVEL:
            return True
        if size is None or eid not in (ID["SimpleBlock"], ID["BlockGroup"]):
            return False
        if eid == ID["SimpleBlock"]:
            try:
                _, track = read_vint(self.data, start)
            except EbmlError:
                return False
            if track not in self.track_numbers:
                return False
        return depth == 0 or self._plausible(start + size, end, depth - 1)

    # Values
    def uint(self, el):
        return int.from_bytes(self.data[el.data:el.end], "big")

    def sint(self, el):
        return int.from_bytes(self.data[el.data:el.end], "big", signed=True)

    def float(self, el):
        body = self.data[el.data:el.end]
        return struct.unpack(">f" if len(body) == 4 else ">d", body)[0] if body else 0.0

    def string(self, el):
        return self.data[el.data:el.end].rstrip(b"\0").decode("utf-8")

    def bytes(self, el):
        return self.data[el.data:el.end]

    def value(self, el, default=None):
        if el is None:
            return default
        return {"u": self.uint, "i": self.sint, "f": self.float, "s": self.string, "8": self.string}.get(
            el.type, self.bytes)(el)


def parse_block(data, start, end):
    """The header and frames of a SimpleBlock or Block body (RFC 9559 10.1, 10.2; lacing 10.3-10.5):
    (track, relative timestamp, flags, lacing name, [frame sizes], offset of the first frame)."""
    track_len, track = read_vint(data, start)
    pos = start + track_len
    relative = int.from_bytes(data[pos:pos + 2], "big", signed=True)
    flags = data[pos + 2]
    pos += 3
    lacing = LACING[(flags >> 1) & 3]
    if lacing == "none":
        return track, relative, flags, lacing, [end - pos], pos
    count = data[pos] + 1  # number of frames in the lace minus 1
    pos += 1
    sizes = []
    if lacing == "xiph":  # each size but the last: a run of 255 bytes plus a last byte below 255
        for _ in range(count - 1):
            size = 0
            while data[pos] == 255:
                size += 255
                pos += 1
            size += data[pos]
            pos += 1
            sizes.append(size)
    elif lacing == "ebml":  # the first size as a vint, then each next size as a signed difference (vint - bias)
        length, size = read_vint(data, pos)
        pos += length
        sizes.append(size)
        for _ in range(count - 2):
            length, raw = read_vint(data, pos)
            pos += length
            size += raw - ((1 << (7 * length - 1)) - 1)
            sizes.append(size)
    else:  # fixed: every frame the same size
        total = end - pos
        check(total % count == 0, f"fixed-size lace at {start}: {total} bytes do not split into {count} frames")
        return track, relative, flags, lacing, [total // count] * count, pos
    sizes.append(end - pos - sum(sizes))
    check(min(sizes) >= 0, f"lace at {start}: the frame sizes {sizes} exceed the block")
    return track, relative, flags, lacing, sizes, pos


class Matroska:
    """What the summary needs from a walk: header, info, tracks, clusters and every frame of every block."""

    def __init__(self, data):
        self.data = data
        w = self.walk = Walk(data)
        ebml, segment = (w.roots + [None, None])[:2]
        check(ebml is not None and ebml.name == "EBML", "the file does not start with an EBML header")
        check(segment is not None and segment.name == "Segment", "no Segment after the EBML header")
        check(len(w.roots) == 2, f"{len(w.roots)} top-level elements, expected EBML header + Segment")
        self.doc_type = w.value(ebml.child("DocType"))
        self.segment = segment
        self.level1 = segment.children
        info = self.one("Info")
        self.timestamp_scale = w.value(info.child("TimestampScale"), 1_000_000)
        self.duration = w.value(info.child("Duration"))
        self.crc = self._check_crcs()
        self.tracks = {}
        for entry in self.one("Tracks").all("TrackEntry"):
            t = {"number": w.value(entry.child("TrackNumber")), "type": w.value(entry.child("TrackType")),
                 "codecId": w.value(entry.child("CodecID")), "private": w.value(entry.child("CodecPrivate")),
                 "codecDelay": w.value(entry.child("CodecDelay"), 0),
                 "seekPreRoll": w.value(entry.child("SeekPreRoll"), 0),
                 "defaultDuration": w.value(entry.child("DefaultDuration")),
                 "flagLacing": w.value(entry.child("FlagLacing"), 1), "language": w.value(entry.child("Language"))}
            video, audio = entry.child("Video"), entry.child("Audio")
            if video is not None:
                t["pixelWidth"] = w.value(video.child("PixelWidth"))
                t["pixelHeight"] = w.value(video.child("PixelHeight"))
            if audio is not None:
                t["samplingFrequency"] = w.value(audio.child("SamplingFrequency"), 8000.0)
                t["channels"] = w.value(audio.child("Channels"), 1)
                t["bitDepth"] = w.value(audio.child("BitDepth"))
            # Header stripping (ContentCompAlgo 3): the bytes every frame lost, which a reader puts back.
            t["stripped"] = b""
            encodings = entry.child("ContentEncodings")
            for enc in (encodings.all("ContentEncoding") if encodings is not None else []):
                comp = enc.child("ContentCompression")
                check(comp is not None and w.value(comp.child("ContentCompAlgo"), 0) == 3,
                      "a ContentEncoding other than header stripping")
                t["stripped"] = w.value(comp.child("ContentCompSettings"), b"")
            t["frames"] = []  # (ticks of the block, lace index, size, keyframe, offset of the frame)
            t["blocks"] = Counter()
            t["lacing"] = Counter()
            t["blockGroups"] = Counter()  # BlockDuration / ReferenceBlock / DiscardPadding occurrences
            self.tracks[t["number"]] = t
        self.clusters = [c for c in self.level1 if c.name == "Cluster"]
        for cluster in self.clusters:
            self._read_cluster(cluster)

    def one(self, name):
        found = [e for e in self.level1 if e.name == name]
        check(len(found) == 1, f"{len(found)} {name} elements in the Segment")
        return found[0]

    def _check_crcs(self):
        """Every CRC-32 element (RFC 8794 11.3.1: the first child of a master element) holds the IEEE CRC-32,
        little-endian, of the rest of its parent's body."""
        count = 0

        def visit(el):
            nonlocal count
            for i, c in enumerate(el.children):
                if c.name == "CRC-32":
                    check(i == 0, f"CRC-32 at {c.offset} is not the first child of its {el.name}")
                    stored = int.from_bytes(self.data[c.data:c.end], "little")
                    computed = zlib.crc32(self.data[c.end:el.end])
                    check(stored == computed, f"CRC-32 of the {el.name} at {el.offset}: stored {stored:08x}, "
                                              f"computed {computed:08x}")
                    count += 1
                elif c.type == "m":
                    visit(c)

        visit(self.segment)
        return count

    def _read_cluster(self, cluster):
        w = self.walk
        timestamp = w.value(cluster.child("Timestamp"))
        check(timestamp is not None, f"Cluster at {cluster.offset} has no Timestamp")
        for el in cluster.children:
            if el.name == "SimpleBlock":
                self._read_block(el.data, el.end, timestamp, "SimpleBlock", None)
            elif el.name == "BlockGroup":
                blocks = el.all("Block")
                check(len(blocks) == 1, f"BlockGroup at {el.offset} has {len(blocks)} Blocks")
                self._read_block(blocks[0].data, blocks[0].end, timestamp, "BlockGroup", el)

    def _read_block(self, start, end, cluster_ts, kind, group):
        w = self.walk
        track_number, relative, flags, lacing, sizes, pos = parse_block(self.data, start, end)
        check(track_number in self.tracks, f"block at {start} for unknown track {track_number}")
        t = self.tracks[track_number]
        t["blocks"][kind] += 1
        t["lacing"][lacing] += 1
        if group is None:
            keyframe = bool(flags & 0x80)
        else:
            # A Block has no keyframe flag: a Block without ReferenceBlock is a keyframe (RFC 9559 5.1.3.5.2.3).
            keyframe = group.child("ReferenceBlock") is None
            for name in ("BlockDuration", "ReferenceBlock", "DiscardPadding"):
                if group.child(name) is not None:
                    t["blockGroups"][name] += 1
        duration = w.value(group.child("BlockDuration")) if group is not None else None
        for index, size in enumerate(sizes):
            t["frames"].append({"ticks": cluster_ts + relative, "lace": index, "laces": len(sizes),
                                "size": size, "key": keyframe, "offset": pos, "duration": duration})
            pos += size


# --- Codec strings (RFC 6381) ----------------------------------------------------------------------------------

# VP9 levels (VP9 bitstream specification Annex A): (level x 10, MaxLumaSampleRate, MaxLumaPictureSize).
VP9_LEVELS = [(10, 829440, 36864), (11, 2764800, 73728), (20, 4608000, 122880), (21, 9216000, 245760),
              (30, 20736000, 552960), (31, 36864000, 983040), (40, 83558400, 2228224), (41, 160432128, 2228224),
              (50, 311951360, 8912896), (51, 588251136, 8912896), (52, 1176502272, 8912896),
              (60, 1176502272, 35651584), (61, 2353004544, 35651584), (62, 4706009088, 35651584)]


def vp9_level_rule(width, height, fps):
    """The smallest level whose MaxLumaPictureSize and MaxLumaSampleRate hold the picture and its sample rate: the
    rule ffmpeg applies when it writes a vpcC box (checked against its output, see vp9_info)."""
    picture = width * height
    for level, sample_rate, picture_size in VP9_LEVELS:
        if picture <= picture_size and picture * fps <= sample_rate:
            return level
    return 0


def vp9_features(private):
    """The WebM VP9 codec feature metadata in CodecPrivate: (ID, length, value) entries; 1 profile, 2 level,
    3 bit depth, 4 chroma subsampling."""
    names = {1: "profile", 2: "level", 3: "bitDepth", 4: "chromaSubsampling"}
    out, i = {}, 0
    while private and i + 2 <= len(private):
        fid, length = private[i], private[i + 1]
        out[names.get(fid, f"id{fid}")] = int.from_bytes(private[i + 2:i + 2 + length], "big")
        i += 2 + length
    return out


def vp9_keyframe(frame):
    """profile, bit depth, subsampling, size from a key frame's uncompressed_header (VP9 bitstream 6.2)."""
    r = BitReader(frame)
    check(r.u(2) == 2, "VP9 frame_marker is not 2")
    profile = r.u(1) | (r.u(1) << 1)  # profile_low_bit, profile_high_bit
    if profile == 3:
        r.u(1)  # reserved_zero
    check(r.u(1) == 0, "the first VP9 frame is show_existing_frame")
    check(r.u(1) == 0, "the first VP9 frame is not a key frame")  # frame_type 0: KEY_FRAME
    r.u(1)  # show_frame
    r.u(1)  # error_resilient_mode
    check(r.u(24) == 0x498342, "VP9 frame_sync_code")
    bit_depth = 8
    if profile >= 2:
        bit_depth = 12 if r.u(1) else 10  # ten_or_twelve_bit
    color_space = r.u(3)
    subsampling = (1, 1)
    if color_space != 7:  # not CS_RGB
        r.u(1)  # color_range
        if profile in (1, 3):
            subsampling = (r.u(1), r.u(1))  # subsampling_x, subsampling_y
            r.u(1)  # reserved_zero
    else:
        subsampling = (0, 0)
    width = r.u(16) + 1  # frame_width_minus_1
    height = r.u(16) + 1  # frame_height_minus_1
    return profile, bit_depth, subsampling, width, height


def vp9_info(path, track, frames, stream, out):
    """vp09.PP.LL.DD: profile and bit depth from CodecPrivate when it has them, else from the first key frame. The
    level: from CodecPrivate when present; else null in "vp9.levelFromCodecPrivate" and the codec string uses
    vp9_level_rule(), which must agree with the vpcC box ffmpeg writes when it copies the stream into MP4."""
    features = vp9_features(track["private"])
    profile, bit_depth, subsampling, width, height = vp9_keyframe(first_frame(path, frames))
    check(features.get("profile", profile) == profile and features.get("bitDepth", bit_depth) == bit_depth,
          f"{path}: VP9 CodecPrivate {features} disagrees with the key frame (profile {profile}, {bit_depth} bit)")
    check((width, height) == (track["pixelWidth"], track["pixelHeight"]),
          f"{path}: VP9 key frame {width}x{height}, TrackEntry {track['pixelWidth']}x{track['pixelHeight']}")
    fps = MATROSKA_TIME_BASE / track["defaultDuration"]
    level = features.get("level")
    rule = vp9_level_rule(width, height, fps)
    ffmpeg_level = ffmpeg_vpcc_level(path, stream)
    check(rule == ffmpeg_level, f"{path}: VP9 level rule gives {rule}, ffmpeg's vpcC says {ffmpeg_level}")
    out["vp9"] = {"profile": profile, "bitDepth": bit_depth, "subsampling": list(subsampling),
                  "codecPrivateFeatures": features, "levelFromCodecPrivate": level, "levelRule": rule}
    return f"vp09.{profile:02d}.{level if level is not None else rule:02d}.{bit_depth:02d}"


def ffmpeg_vpcc_level(path, stream):
    """The level byte of the vpcC box ffmpeg writes when it copies this VP9 stream into a (fragmented) MP4."""
    cmd = ["ffmpeg", "-v", "error", "-i", path, "-map", f"0:{stream['index']}", "-c", "copy",
           "-movflags", "frag_keyframe+empty_moov", "-f", "mp4", "-"]
    mp4 = subprocess.run(cmd, check=True, capture_output=True).stdout
    at = mp4.find(b"vpcC")
    check(at > 0, f"{path}: no vpcC box in ffmpeg's MP4")
    return mp4[at + 4 + 4 + 1]  # after the type: version + flags (4 bytes), profile, then level


def av1_info(path, track, out):
    """av01.P.LLT.DD from the AV1CodecConfigurationRecord (av1C) in CodecPrivate (AV1-in-Matroska 2.3)."""
    c = track["private"]
    check(c is not None and len(c) >= 4 and c[0] == 0x81, f"{path}: CodecPrivate is not an av1C (version 1)")
    profile = c[1] >> 5  # seq_profile
    level = c[1] & 0x1F  # seq_level_idx_0
    tier = c[2] >> 7  # seq_tier_0
    high_bitdepth, twelve_bit, monochrome = (c[2] >> 6) & 1, (c[2] >> 5) & 1, (c[2] >> 4) & 1
    bit_depth = (12 if twelve_bit else 10) if high_bitdepth else 8
    out["av1"] = {"profile": profile, "level": level, "tier": tier, "bitDepth": bit_depth, "monochrome": monochrome,
                  "chromaSubsampling": [(c[2] >> 3) & 1, (c[2] >> 2) & 1], "configObus": len(c) - 4}
    return f"av01.{profile}.{level:02d}{'MH'[tier]}.{bit_depth:02d}"


def avcc_info(path, track):
    """avc1.PPCCLL from the AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1) in CodecPrivate; the SPS it
    holds must agree, and give the cropped size."""
    c = track["private"]
    check(c is not None and c[0] == 1, f"{path}: CodecPrivate is not an avcC")
    string = f"avc1.{c[1]:02x}{c[2]:02x}{c[3]:02x}"  # AVCProfileIndication, profile_compatibility, AVCLevelIndication
    sps_count = c[5] & 0x1F
    check(sps_count >= 1, f"{path}: avcC without SPS")
    length = int.from_bytes(c[6:8], "big")
    sps = c[8:8 + length].replace(b"\x00\x00\x03", b"\x00\x00")
    sps_string, width, height = ts.h264_sps(sps)
    check(sps_string == string, f"{path}: avcC says {string}, its SPS {sps_string}")
    return string, (width, height)


def hvcc_info(path, track):
    """hvc1.* from the HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1) in CodecPrivate, formatted as in
    fixture-summary.py (ISO/IEC 14496-15 E.3); the SPS in its arrays must give the same string."""
    c = track["private"]
    check(c is not None and c[0] == 1, f"{path}: CodecPrivate is not an hvcC")
    profile_space, tier, profile_idc = c[1] >> 6, (c[1] >> 5) & 1, c[1] & 0x1F
    compatibility = int.from_bytes(c[2:6], "big")
    constraints = list(c[6:12])
    level = c[12]
    while constraints and constraints[-1] == 0:
        constraints.pop()
    reversed_compatibility = int(f"{compatibility:032b}"[::-1], 2)
    string = (f"hvc1.{['', 'A', 'B', 'C'][profile_space]}{profile_idc}.{reversed_compatibility:X}."
              f"{'LH'[tier]}{level}" + "".join(f".{b:X}" for b in constraints))
    pos, sps = 23, None
    for _ in range(c[22]):  # numOfArrays
        nal_type = c[pos] & 0x3F
        count = int.from_bytes(c[pos + 1:pos + 3], "big")
        pos += 3
        for _ in range(count):
            length = int.from_bytes(c[pos:pos + 2], "big")
            if nal_type == 33 and sps is None:
                sps = c[pos + 2:pos + 2 + length].replace(b"\x00\x00\x03", b"\x00\x00")
            pos += 2 + length
    check(sps is not None, f"{path}: hvcC without SPS")
    sps_string, width, height = ts.hevc_sps(sps)
    check(sps_string == string, f"{path}: hvcC says {string}, its SPS {sps_string}")
    return string, (width, height)


def aac_info(path, track):
    """mp4a.40.<audioObjectType>, sample rate and channels from the AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1)
    in CodecPrivate."""
    r = BitReader(track["private"])
    aot = r.u(5)  # audioObjectType
    if aot == 31:
        aot = 32 + r.u(6)  # audioObjectTypeExt
    index = r.u(4)  # samplingFrequencyIndex
    rate = r.u(24) if index == 15 else ts.ADTS_SAMPLE_RATES[index]
    return f"mp4a.40.{aot}", rate, r.u(4)  # channelConfiguration


def opus_info(path, track, out):
    """OpusHead (RFC 7845 5.1) in CodecPrivate: channels, pre-skip (checked against CodecDelay, RFC 9559 Opus)."""
    c = track["private"]
    check(c is not None and c[:8] == b"OpusHead", f"{path}: CodecPrivate is not an OpusHead")
    channels, pre_skip = c[9], int.from_bytes(c[10:12], "little")
    rate = int.from_bytes(c[12:16], "little")
    out["opusHead"] = {"channels": channels, "preSkip": pre_skip, "inputSampleRate": rate,
                       "outputGain": int.from_bytes(c[16:18], "little", signed=True), "mappingFamily": c[18]}
    check(track["codecDelay"] == round(pre_skip * MATROSKA_TIME_BASE / 48000),
          f"{path}: CodecDelay {track['codecDelay']} ns is not the pre-skip of {pre_skip} samples")
    return "opus", 48000, channels


def flac_info(path, track):
    """'fLaC' + STREAMINFO (RFC 9639 8.2) in CodecPrivate: sample rate and channels."""
    c = track["private"]
    check(c is not None and c[:4] == b"fLaC" and c[4] & 0x7F == 0, f"{path}: CodecPrivate is not fLaC+STREAMINFO")
    r = BitReader(c, 8 + 4 + 6)  # after the block header: min/max block size (2 + 2), min/max frame size (3 + 3)
    rate = r.u(20)
    channels = r.u(3) + 1
    return "flac", rate, channels


def vorbis_info(path, track):
    """The identification header (Vorbis I 4.2.2), the first of the three Xiph-laced headers in CodecPrivate."""
    c = track["private"]
    check(c is not None and c[0] == 2, f"{path}: CodecPrivate is not three Xiph-laced Vorbis headers")
    pos, sizes = 1, []
    for _ in range(2):
        size = 0
        while c[pos] == 255:
            size += 255
            pos += 1
        size += c[pos]
        pos += 1
        sizes.append(size)
    ident = c[pos:pos + sizes[0]]
    check(ident[:7] == b"\x01vorbis", f"{path}: the first Vorbis header is not the identification header")
    return "vorbis", int.from_bytes(ident[12:16], "little"), ident[11]


def first_frame(path, frames, stripped=b""):
    check(bool(frames), f"{path}: the track has no frames")
    f = frames[0]
    return stripped + f["data"]


def codec_string(path, track, stream, out):
    """The RFC 6381 codec string of a track, from the bytes (CodecPrivate or the first frame), never from ffprobe.
    Returns (string, (width, height) or (sample rate, channels) read from the codec's own headers, or None)."""
    cid = track["codecId"]
    frames = track["frames"]
    if cid == "V_MPEG4/ISO/AVC":
        return avcc_info(path, track)
    if cid == "V_MPEGH/ISO/HEVC":
        return hvcc_info(path, track)
    if cid == "V_VP9":
        return vp9_info(path, track, frames, stream, out), None
    if cid == "V_AV1":
        return av1_info(path, track, out), None
    if cid == "V_VP8":
        return "vp8", None
    if cid == "A_AAC":
        string, rate, channels = aac_info(path, track)
        return string, (rate, channels)
    if cid == "A_OPUS":
        string, rate, channels = opus_info(path, track, out)
        return string, (rate, channels)
    if cid == "A_FLAC":
        string, rate, channels = flac_info(path, track)
        return string, (rate, channels)
    if cid == "A_VORBIS":
        string, rate, channels = vorbis_info(path, track)
        return string, (rate, channels)
    if cid in ("A_AC3", "A_EAC3"):
        enhanced = cid == "A_EAC3"
        rate, channels = ts.first_ac3(first_frame(path, frames, track["stripped"]), enhanced)
        return ("ec-3" if enhanced else "ac-3"), (rate, channels)
    if cid in ("A_MPEG/L3", "A_MPEG/L2"):
        version, layer, rate, channels = ts.first_mpeg_audio(first_frame(path, frames, track["stripped"]))
        check(layer == int(cid[-1]), f"{path}: CodecID {cid}, the frame header says layer {layer}")
        out["layer"] = layer
        # Object type indication 0x6B is ISO/IEC 11172-3 (MPEG-1 audio), 0x69 ISO/IEC 13818-3 (MPEG-2 audio).
        return ("mp4a.6B" if version == 3 else "mp4a.69"), (rate, channels)
    raise ValueError(f"{path}: CodecID {cid} is not handled")


# --- ffprobe ----------------------------------------------------------------------------------------------------

# ffprobe's codec_name for each CodecID (RFC 9559 codec mappings).
FFPROBE_CODECS = {"V_MPEG4/ISO/AVC": "h264", "V_MPEGH/ISO/HEVC": "hevc", "V_VP9": "vp9", "V_VP8": "vp8",
                  "V_AV1": "av1", "A_AAC": "aac", "A_OPUS": "opus", "A_FLAC": "flac", "A_VORBIS": "vorbis",
                  "A_AC3": "ac3", "A_EAC3": "eac3", "A_MPEG/L3": "mp3", "A_MPEG/L2": "mp2"}


def ffprobe(path):
    cmd = ["ffprobe", "-v", "error", "-count_packets", "-show_streams", "-show_format", "-show_packets",
           "-of", "json", path]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def rescale_near_inf(value, num, den):
    """av_rescale_rnd(value, num, den, AV_ROUND_NEAR_INF) for value >= 0: value * num / den, halves away from 0."""
    return (2 * value * num + den) // (2 * den)


def expected_pts(mkv, track):
    """What ffprobe should report as the pts of each frame (in the stream's time base, 1e9 / TimestampScale):
    the block's timestamp (Cluster Timestamp + relative timestamp) less CodecDelay in ticks, and for the frames after
    the first of a lace the first frame's time plus the share of the block duration (RFC 9559 10.3: laced frames
    share the block's timestamp, the others follow at the frame duration; ffmpeg divides the block duration,
    BlockDuration or DefaultDuration x frames, evenly in whole ticks). Only frames whose pts can be derived this
    way are returned, as {index: pts}."""
    scale = mkv.timestamp_scale
    delay = rescale_near_inf(track["codecDelay"], 1, scale)
    out = {}
    lace_start = None
    for i, f in enumerate(track["frames"]):
        if f["lace"] == 0:
            lace_start = f["ticks"] - delay
            if f["laces"] > 1:
                block = f["duration"] or (track["defaultDuration"] or 0) * f["laces"] // scale
            elapsed = 0
        if f["lace"] > 0:
            n, k = f["laces"], f["lace"]
            elapsed = block * k // n if block else None
            if elapsed is None:
                continue
        out[i] = lace_start + elapsed
    return out


# --- Summary ----------------------------------------------------------------------------------------------------

def lacing_kinds(counter):
    return sorted(k for k in counter if k != "none")


def summarize(path, made_by=None, damage=None):
    with open(path, "rb") as f:
        data = f.read()
    mkv = Matroska(data)
    walk = mkv.walk
    probe = ffprobe(path)
    streams = [s for s in probe["streams"] if s["codec_type"] in ("video", "audio")]
    check(len(streams) == len(probe["streams"]), f"{path}: ffprobe lists streams other than audio and video")
    numbers = sorted(mkv.tracks)
    check(len(streams) == len(numbers), f"{path}: ffprobe has {len(streams)} streams, Tracks {len(numbers)}")
    for t in mkv.tracks.values():  # the frame bytes, for the codec parsers
        for f in t["frames"][:1]:
            f["data"] = data[f["offset"]:f["offset"] + f["size"]]
    tracks = []
    for stream, number in zip(streams, numbers):
        t = mkv.tracks[number]
        kind = stream["codec_type"]
        check(FFPROBE_CODECS.get(t["codecId"]) == stream["codec_name"],
              f"{path}: track {number} is {t['codecId']}, ffprobe stream {stream['index']} {stream['codec_name']}")
        check(t["type"] == (1 if kind == "video" else 2), f"{path}: track {number} TrackType {t['type']}")
        packets = [p for p in probe["packets"] if p["stream_index"] == stream["index"]]
        track = {"kind": kind, "codec": stream["codec_name"]}
        details = {}  # what the codec's own headers say, beyond the string (added at the end of the track)
        string, header = codec_string(path, t, stream, details)
        track["codecString"] = string
        if kind == "video":
            width, height = stream["width"], stream["height"]
            check((t["pixelWidth"], t["pixelHeight"]) == (width, height),
                  f"{path}: PixelWidth/Height {t['pixelWidth']}x{t['pixelHeight']}, ffprobe {width}x{height}")
            check(header is None or header == (width, height), f"{path}: the SPS says {header}, ffprobe {width}x{height}")
            track.update(width=width, height=height)
        else:
            rate, channels = int(stream["sample_rate"]), stream["channels"]
            check(header == (rate, channels), f"{path}: the {t['codecId']} headers say {header}, "
                                              f"ffprobe {rate} Hz/{channels} ch")
            check(round(t["samplingFrequency"]) == rate and t["channels"] == channels,
                  f"{path}: Audio element {t['samplingFrequency']} Hz/{t['channels']} ch, ffprobe {rate}/{channels}")
            track.update(sampleRate=rate, channels=channels)
        frames = t["frames"]
        if damage is None:
            compare_packets(path, mkv, t, stream, packets)
        pts = [seconds(p["pts_time"]) for p in packets if "pts_time" in p]
        dts = [seconds(p["dts_time"]) for p in packets if "dts_time" in p]
        durations = Counter(seconds(p["duration_time"]) for p in packets if "duration_time" in p)
        private = t["private"]
        track.update(
            packets=int(stream["nb_read_packets"]),
            firstPts=min(pts),
            firstDts=min(dts),
            lastPts=max(pts),
            frameDuration=durations.most_common(1)[0][0],
            trackNumber=number,
            codecId=t["codecId"],
            codecPrivateLength=len(private) if private is not None else 0,
        )
        if private is not None and len(private) < 100:
            track["codecPrivate"] = private.hex()
        if t["stripped"]:
            track["headerStripping"] = t["stripped"].hex()
        track.update(
            codecDelay=t["codecDelay"],
            seekPreRoll=t["seekPreRoll"],
            defaultDuration=t["defaultDuration"],
            frames=len(frames),
            keyframes=sum(1 for f in frames if f["key"]),
            # Blocks stored with a timestamp below the previous block's of the track: B-frames (Matroska stores
            # presentation times in decode order, so decode times have to be derived).
            timestampDecreases=sum(1 for a, b in zip(frames, frames[1:]) if b["lace"] == 0 and b["ticks"] < a["ticks"]),
            simpleBlocks=t["blocks"]["SimpleBlock"],
            blockGroups=t["blocks"]["BlockGroup"],
            lacing=lacing_kinds(t["lacing"]),
            lacedBlocks={k: v for k, v in sorted(t["lacing"].items()) if k != "none"},
            blockGroupElements=dict(sorted(t["blockGroups"].items())),
        )
        track.update(details)
        check(track["packets"] == len(packets), f"{path}: -count_packets and -show_packets disagree")
        if damage is None:
            check(len(frames) == len(packets), f"{path}: track {number} has {len(frames)} frames after unlacing, "
                                               f"ffprobe read {len(packets)} packets")
        tracks.append(track)
    fmt = probe["format"]
    cues = [e for e in mkv.level1 if e.name == "Cues"]
    summary = {
        "file": os.path.basename(path),
        "container": mkv.doc_type,
        "docType": mkv.doc_type,
        "timestampScale": mkv.timestamp_scale,
        "segmentSizeUnknown": mkv.segment.size is None,
        "clusters": len(mkv.clusters),
        "clusterSizesUnknown": sum(1 for c in mkv.clusters if c.size is None),
        "cues": bool(cues),
        "cuePoints": sum(len(c.all("CuePoint")) for c in cues),
        "seekHead": any(e.name == "SeekHead" for e in mkv.level1),
        "crc32Elements": mkv.crc,
        "infoDuration": mkv.duration,
        "tracks": tracks,
        "startTime": seconds(fmt["start_time"]),
        "duration": seconds(fmt["duration"]) if "duration" in fmt else None,
    }
    if made_by is not None:
        check_made_by(path, mkv, summary, made_by)
        summary["madeBy"] = made_by
    if damage is not None:
        check_damage(path, walk, damage)
        summary["damage"] = damage
    if walk.anomalies:
        summary["anomalies"] = walk.anomalies
    check(damage is not None or not walk.anomalies, f"{path}: the walk found {walk.anomalies} in an undamaged file")
    return summary


def compare_packets(path, mkv, t, stream, packets):
    """ffprobe's packets of one stream against the walk's frames, one by one: size, key flag (video), pts."""
    check(len(packets) == len(t["frames"]), f"{path}: track {t['number']}: {len(t['frames'])} frames in the "
                                            f"blocks, ffprobe read {len(packets)} packets")
    num, den = (int(x) for x in stream["time_base"].split("/"))
    check(num == 1 and den * mkv.timestamp_scale == MATROSKA_TIME_BASE,
          f"{path}: ffprobe time base {stream['time_base']} for TimestampScale {mkv.timestamp_scale}")
    expected = expected_pts(mkv, t)
    for i, (f, p) in enumerate(zip(t["frames"], packets)):
        where = f"{path}: track {t['number']} frame {i} (offset {f['offset']})"
        size = f["size"] + len(t["stripped"])  # ffmpeg puts stripped header bytes back
        check(int(p["size"]) == size, f"{where}: size {size}, ffprobe {p['size']}")
        if stream["codec_type"] == "video":
            check(("K" in p["flags"]) == f["key"], f"{where}: keyframe {f['key']}, ffprobe flags {p['flags']}")
        if i in expected:
            check(p.get("pts") == expected[i], f"{where}: pts {expected[i]} expected, ffprobe {p.get('pts')}")


def check_made_by(path, mkv, summary, made_by):
    """The rewrite mkv-rewrite.py says it did must be in the file."""
    for number, kind in made_by.get("lacing", {}).items():
        track = next(t for t in summary["tracks"] if t["trackNumber"] == int(number))
        check(track["lacing"] == [kind], f"{path}: track {number} should be {kind}-laced, the walk sees "
                                         f"{track['lacedBlocks']}")
    for number in made_by.get("blockGroups", []):
        track = next(t for t in summary["tracks"] if t["trackNumber"] == int(number))
        check(track["simpleBlocks"] == 0 and track["blockGroups"] == track["frames"],
              f"{path}: track {number} should be stored in BlockGroups only")
        check(track["blockGroupElements"].get("ReferenceBlock", 0) == track["frames"] - track["keyframes"],
              f"{path}: track {number}: a ReferenceBlock for every non-keyframe")
    for number, prefix in made_by.get("headerStripping", {}).items():
        track = next(t for t in summary["tracks"] if t["trackNumber"] == int(number))
        check(track.get("headerStripping") == prefix, f"{path}: track {number} should strip {prefix}")
    if "timestampScale" in made_by:
        check(mkv.timestamp_scale == made_by["timestampScale"], f"{path}: TimestampScale {mkv.timestamp_scale}")


def check_damage(path, walk, damage):
    """The damage mkv-rewrite.py says it did must be what the walk sees, and nothing else: each damaged place is an
    anomaly at its offset, and the walk resumes where the damage ends."""
    expected = [(d["offset"], d["resumeAt"]) for d in damage["changes"]]
    seen = [(a["offset"], a["resumedAt"]) for a in walk.anomalies]
    check(seen == expected, f"{path}: anomalies (offset, resumed at) {seen}, expected {expected}")


def write_summary(path, made_by=None, damage=None, stdout=False):
    text = json.dumps(summarize(path, made_by, damage), indent=2) + "\n"
    if stdout:
        sys.stdout.write(text)
        return
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        f.write(text)


def dump(path):
    with open(path, "rb") as f:
        data = f.read()
    walk = Walk(data)

    def show(el, depth):
        size = "unknown" if el.size is None else el.size
        line = f"{'  ' * depth}{el.name} @{el.offset} size {size}"
        if el.type != "m" and el.name not in ("SimpleBlock", "Block"):
            value = walk.value(el)
            if isinstance(value, bytes):
                value = value[:24].hex() + ("..." if len(value) > 24 else "")
            line += f" = {value}"
        elif el.name in ("SimpleBlock", "Block"):
            track, relative, flags, lacing, sizes, _ = parse_block(data, el.data, el.end)
            line += f" track {track} ts {relative:+d} flags 0x{flags:02x} {lacing} {sizes}"
        print(line)
        for c in el.children:
            show(c, depth + 1)

    for root in walk.roots:
        show(root, 0)
    for a in walk.anomalies:
        print("anomaly", a)


def main(argv):
    if len(argv) == 2 and argv[0] == "--dump":
        dump(argv[1])
        return 0
    if len(argv) == 2 and argv[0] == "--stdout":
        write_summary(argv[1], stdout=True)
        return 0
    if len(argv) >= 3 and argv[0] in ("--made-by", "--damage"):
        info = json.loads(argv[1])
        stdout = argv[2] == "--stdout"
        path = argv[3] if stdout else argv[2]
        if argv[0] == "--made-by":
            write_summary(path, made_by=info, stdout=stdout)
        else:
            write_summary(path, damage=info, stdout=stdout)
        return 0
    if not argv or argv[0].startswith("--"):
        print(__doc__, file=sys.stderr)
        return 2
    for path in argv:
        write_summary(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
