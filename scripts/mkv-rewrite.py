#!/usr/bin/env python3
"""Rewrite an ffmpeg-made Matroska/WebM file into a variant ffmpeg's muxer does not write.

ffmpeg's Matroska muxer never laces, writes BlockGroups only where it must (Opus DiscardPadding), always uses a
TimestampScale of 1 ms and always gives Clusters a size. This tool takes one of its files apart (an EBML tree of
RFC 8794 elements), changes what it is told to, and writes it back with every cross-reference fixed: element sizes,
SeekHead positions, Cues (CueTime, CueClusterPosition, CueRelativePosition) and CRC-32 elements. Everything else
(the frames, their order within a track, the other tracks) is left as it was. It prints a JSON description of what it
did, which make-fixtures.sh hands to mkv-summary.py (--made-by / --damage) so the summary checks it on the bytes.

Usage: mkv-rewrite.py IN OUT OPERATION [OPERATION ...]
  --lace TRACK:KIND:N      put up to N consecutive SimpleBlocks of TRACK (same Cluster, all keyframes) in one
                           SimpleBlock laced with KIND (xiph, ebml, fixed; fixed only joins frames of equal size).
                           The laced block keeps the first frame's timestamp; the others are derived from the
                           track's DefaultDuration (RFC 9559 10.3), so each frame's original timestamp must be that
                           derived time within one tick, or it starts a new lace. FlagLacing is set to 1. The
                           track needs a DefaultDuration (ffmpeg writes none for audio): add it first with
  --default-duration TRACK:NS
                           (a DefaultDuration of NS nanoseconds for a track that has none).
  --block-groups TRACK     store every SimpleBlock of TRACK as a BlockGroup: Block (same header, keyframe bit
                           cleared: a Block has none), BlockDuration (DefaultDuration in ticks) and, for every
                           non-keyframe, a ReferenceBlock naming the previous block of the track (its timestamp
                           relative to this one's, RFC 9559 5.1.3.5.2.3).
  --timestamp-scale NS     a new TimestampScale (the old one must be a multiple of it): Cluster Timestamps, block
                           relative timestamps (which must stay within int16), BlockDuration, ReferenceBlock, CueTime,
                           CueDuration and Info Duration are scaled; ns values (DefaultDuration, CodecDelay,
                           DiscardPadding) are not.
  --source TEXT            what the summary should name as the source (when IN is a temporary file)
  --unknown-size-clusters  write every Cluster with the unknown size (8-byte 0x01FFFFFFFFFFFFFF, as live muxers do).
  --garbage CLUSTER:BLOCK:N:SEED
                           insert N pseudo-random bytes (Python random with SEED) in Cluster CLUSTER (0-based)
                           before its child BLOCK (index among its SimpleBlocks/BlockGroups); the Cluster's and
                           Segment's sizes, SeekHead and Cues count them, as if a muxer had written them.
  --bad-block-size CLUSTER:BLOCK
                           write that SimpleBlock's size field as the largest value of its length (2 bytes: 16382),
                           which runs past the end of its Cluster; its bytes are unchanged.
  --strip-header TRACK:N   header stripping (RFC 9559 5.1.4.1.31, ContentCompAlgo 3): the first N bytes of every
                           frame of TRACK, which must be the same in all of them (unlaced SimpleBlocks and Blocks),
                           are removed from the frames and kept once in a ContentEncoding's ContentCompSettings.
Only the Python standard library is used.
"""

import json
import os
import random
import struct
import sys
import zlib

SEGMENT, CLUSTER, SIMPLE_BLOCK, BLOCK_GROUP, BLOCK = 0x18538067, 0x1F43B675, 0xA3, 0xA0, 0xA1
SEEK_HEAD, SEEK, SEEK_ID, SEEK_POSITION = 0x114D9B74, 0x4DBB, 0x53AB, 0x53AC
INFO, TIMESTAMP_SCALE, DURATION = 0x1549A966, 0x2AD7B1, 0x4489
TRACKS, TRACK_ENTRY, TRACK_NUMBER, FLAG_LACING, DEFAULT_DURATION = 0x1654AE6B, 0xAE, 0xD7, 0x9C, 0x23E383
TIMESTAMP, BLOCK_DURATION, REFERENCE_BLOCK = 0xE7, 0x9B, 0xFB
CUES, CUE_POINT, CUE_TIME, CUE_TRACK_POSITIONS = 0x1C53BB6B, 0xBB, 0xB3, 0xB7
CUE_TRACK, CUE_CLUSTER_POSITION, CUE_RELATIVE_POSITION, CUE_DURATION = 0xF7, 0xF1, 0xF0, 0xB2
CRC32 = 0xBF
CONTENT_ENCODINGS, CONTENT_ENCODING, CONTENT_COMPRESSION = 0x6D80, 0x6240, 0x5034
MASTERS = {0x1A45DFA3, SEGMENT, SEEK_HEAD, SEEK, INFO, TRACKS, TRACK_ENTRY, 0xE0, 0xE1, 0x55B0, CLUSTER,
           BLOCK_GROUP, 0x75A1, CUES, CUE_POINT, CUE_TRACK_POSITIONS, 0x1254C367, 0x7373, 0x63C0, 0x67C8,
           0x1043A770, 0x1941A469, CONTENT_ENCODINGS, CONTENT_ENCODING, CONTENT_COMPRESSION}
LACING_BITS = {"xiph": 1, "fixed": 2, "ebml": 3}
UNKNOWN_SIZE_8 = bytes.fromhex("01ffffffffffffff")


def fail(message):
    raise SystemExit(f"mkv-rewrite: {message}")


def read_vint(data, pos):
    first = data[pos]
    length = 9 - first.bit_length()
    value = int.from_bytes(data[pos:pos + length], "big") & ((1 << (7 * length)) - 1)
    return length, (None if value == (1 << (7 * length)) - 1 else value)


def read_id(data, pos):
    length = 9 - data[pos].bit_length()
    return length, int.from_bytes(data[pos:pos + length], "big")


def encode_size(value, length=None):
    """A size vint of the given length (or the shortest that holds value; all ones is reserved)."""
    need = 1
    while value >= (1 << (7 * need)) - 1:
        need += 1
    length = max(length or 1, need)
    return ((1 << (7 * length)) | value).to_bytes(length, "big")


def encode_uint(value, length=0):
    return value.to_bytes(max(length, (value.bit_length() + 7) // 8, 1), "big")


def encode_sint(value):
    length = 1
    while not -(1 << (8 * length - 1)) <= value < (1 << (8 * length - 1)):
        length += 1
    return value.to_bytes(length, "big", signed=True)


class Node:
    """An element: id, the length of its size field as read, children (masters) or body (others)."""

    def __init__(self, eid, size_length, unknown=False, body=None, children=None, origin=None):
        self.id, self.size_length, self.unknown = eid, size_length, unknown
        self.body, self.children = body, children
        self.origin = origin  # offset in the source file, to map Cues to the blocks they point at
        self.offset = None  # offset in the output, set by serialise()
        self.fake_size = None  # --bad-block-size
        self.raw = None  # bytes written as they are (--garbage)

    def find(self, eid):
        return [c for c in self.children if c.id == eid]

    def first(self, eid):
        found = self.find(eid)
        return found[0] if found else None


def parse(data, pos, end):
    nodes = []
    while pos < end:
        id_len, eid = read_id(data, pos)
        size_len, size = read_vint(data, pos + id_len)
        start = pos + id_len + size_len
        stop = end if size is None else start + size
        if eid in MASTERS:
            node = Node(eid, size_len, size is None, children=parse(data, start, stop), origin=pos)
        else:
            node = Node(eid, size_len, body=bytes(data[start:stop]), origin=pos)
        if size is None and eid == CLUSTER:
            fail("the source already has unknown-size Clusters")
        nodes.append(node)
        pos = stop
    return nodes


def uint_of(node):
    return int.from_bytes(node.body, "big")


def block_header(body):
    """(track, relative timestamp, flags, header length) of a SimpleBlock/Block body (RFC 9559 10.1)."""
    track_len, track = read_vint(body, 0)
    relative = int.from_bytes(body[track_len:track_len + 2], "big", signed=True)
    return track, relative, body[track_len + 2], track_len + 3


def with_header(body, relative=None, flags=None):
    track, old_relative, old_flags, header = block_header(body)
    track_len = header - 3
    if relative is not None and not -32768 <= relative <= 32767:
        fail(f"relative timestamp {relative} does not fit int16")
    return (body[:track_len] + struct.pack(">h", old_relative if relative is None else relative)
            + bytes([old_flags if flags is None else flags]) + body[header:])


class Rewriter:
    def __init__(self, data, source):
        self.roots = parse(data, 0, len(data))
        self.segment = next(n for n in self.roots if n.id == SEGMENT)
        self.info = self.segment.first(INFO)
        scale = self.info.first(TIMESTAMP_SCALE)
        self.scale = uint_of(scale) if scale else 1_000_000
        self.tracks = {uint_of(t.first(TRACK_NUMBER)): t for t in self.segment.first(TRACKS).find(TRACK_ENTRY)}
        self.clusters = self.segment.find(CLUSTER)
        self.report = {"tool": "scripts/mkv-rewrite.py", "source": source, "operations": []}
        self.damage = []
        self._resolve_cues()

    def _resolve_cues(self):
        """Which Cluster and block each CueTrackPositions points at (by their offsets in the source), so the
        positions can be written again wherever those elements end up."""
        seg_id_len = 4
        segment_data = self.segment.origin + seg_id_len + self.segment.size_length
        by_origin = {c.origin: c for c in self.clusters}
        self.cue_targets = []
        cues = self.segment.first(CUES)
        for point in (cues.find(CUE_POINT) if cues else []):
            for positions in point.find(CUE_TRACK_POSITIONS):
                cluster = by_origin[segment_data + uint_of(positions.first(CUE_CLUSTER_POSITION))]
                relative = positions.first(CUE_RELATIVE_POSITION)
                block = None
                if relative is not None:
                    cluster_data = cluster.origin + 4 + cluster.size_length
                    block = next(b for b in cluster.children if b.origin == cluster_data + uint_of(relative))
                self.cue_targets.append((positions, cluster, block))

    def blocks_of(self, cluster):
        return [n for n in cluster.children if n.id in (SIMPLE_BLOCK, BLOCK_GROUP)]

    def default_duration(self, track):
        node = self.tracks[track].first(DEFAULT_DURATION)
        return uint_of(node) if node else None

    # --default-duration TRACK:NS
    def set_default_duration(self, track, ns):
        entry = self.tracks[track]
        if entry.first(DEFAULT_DURATION) is not None:
            fail(f"track {track} already has a DefaultDuration")
        entry.children.append(Node(DEFAULT_DURATION, 1, body=encode_uint(ns)))
        self.report.setdefault("defaultDurationAdded", {})[str(track)] = ns

    # --lace TRACK:KIND:N
    def lace(self, track, kind, per_lace):
        duration = self.default_duration(track)
        if duration is None:
            fail(f"track {track} has no DefaultDuration: give one with --default-duration")
        entry = self.tracks[track]
        flag = entry.first(FLAG_LACING)
        if flag is None:
            entry.children.append(Node(FLAG_LACING, 1, body=b"\x01"))
        else:
            flag.body = b"\x01"
        laced = 0
        for cluster in self.clusters:
            out, run, held = [], [], []  # run: (node, relative, frame) of this track; held: what came between

            def flush():
                nonlocal laced
                if len(run) > 1:
                    out.append(self._laced(run, kind))
                    laced += 1
                elif run:
                    out.append(run[0][0])
                out.extend(held)
                run.clear()
                held.clear()

            for node in cluster.children:
                if node.id != SIMPLE_BLOCK or block_header(node.body)[0] != track:
                    (held if run else out).append(node)
                    continue
                _, relative, flags, header = block_header(node.body)
                frame = node.body[header:]
                if not flags & 0x80 or (flags >> 1) & 3:
                    fail(f"block at {node.origin} of track {track} is not an unlaced keyframe")
                fits = (run and len(run) < per_lace
                        and abs(relative - (run[0][1] + len(run) * duration / self.scale)) < 1
                        and (kind != "fixed" or len(frame) == len(run[0][2])))
                if not fits:
                    flush()
                run.append((node, relative, frame))
            flush()
            cluster.children = out
        if not laced:
            fail(f"no block of track {track} could be laced")
        self.report.setdefault("lacing", {})[str(track)] = kind
        self.report.setdefault("framesPerLace", {})[str(track)] = per_lace
        self.report.setdefault("lacedBlocks", {})[str(track)] = laced

    def _laced(self, run, kind):
        first = run[0][0]
        _, relative, flags, header = block_header(first.body)
        frames = [frame for _, _, frame in run]
        sizes = [len(f) for f in frames]
        lace = bytearray([len(frames) - 1])  # number of frames in the lace minus 1 (RFC 9559 10.3)
        if kind == "xiph":  # each size but the last as a run of 255s and a last byte below 255
            for size in sizes[:-1]:
                lace += b"\xff" * (size // 255) + bytes([size % 255])
        elif kind == "ebml":  # the first size as a vint, then differences as signed vints (value + bias)
            lace += encode_size(sizes[0])
            for previous, size in zip(sizes, sizes[1:-1]):
                delta, length = size - previous, 1
                while abs(delta) > (1 << (7 * length - 1)) - 1:
                    length += 1
                lace += encode_size(delta + (1 << (7 * length - 1)) - 1, length)
        elif kind == "fixed":
            if len(set(sizes)) != 1:
                fail("fixed-size lacing of frames of different sizes")
        else:
            fail(f"unknown lacing {kind}")
        body = first.body[:header - 1] + bytes([(flags & ~0x06) | (LACING_BITS[kind] << 1)]) + lace + b"".join(frames)
        node = Node(SIMPLE_BLOCK, 0, body=bytes(body), origin=first.origin)
        node.merged = [n.origin for n, _, _ in run]
        return node

    # --strip-header TRACK:N
    def strip_header(self, track, n):
        # SimpleBlocks, and the Block of each BlockGroup (ffmpeg writes the last frames with DiscardPadding so).
        blocks = [node if node.id == SIMPLE_BLOCK else node.first(BLOCK)
                  for cluster in self.clusters for node in cluster.children if node.id in (SIMPLE_BLOCK, BLOCK_GROUP)]
        frames = [node for node in blocks if node is not None and block_header(node.body)[0] == track]
        if not frames:
            fail(f"track {track} has no SimpleBlock")
        header = block_header(frames[0].body)[3]
        prefix = frames[0].body[header:header + n]
        for node in frames:
            _, _, flags, h = block_header(node.body)
            if (flags >> 1) & 3:
                fail("--strip-header of a laced block")
            if node.body[h:h + n] != prefix:
                fail(f"track {track}: frames do not all start with {prefix.hex()}")
            node.body = node.body[:h] + node.body[h + n:]
        compression = Node(CONTENT_COMPRESSION, 0, children=[
            Node(0x4254, 1, body=encode_uint(3)),  # ContentCompAlgo: header stripping
            Node(0x4255, 0, body=bytes(prefix)),  # ContentCompSettings: the bytes stripped
        ])
        encoding = Node(CONTENT_ENCODING, 0, children=[
            Node(0x5031, 1, body=encode_uint(0)),  # ContentEncodingOrder
            Node(0x5032, 1, body=encode_uint(1)),  # ContentEncodingScope: all frames
            Node(0x5033, 1, body=encode_uint(0)),  # ContentEncodingType: compression
            compression,
        ])
        self.tracks[track].children.append(Node(CONTENT_ENCODINGS, 0, children=[encoding]))
        self.report.setdefault("headerStripping", {})[str(track)] = prefix.hex()

    # --block-groups TRACK
    def block_groups(self, track):
        duration = self.default_duration(track)
        if duration is None or duration % self.scale:
            fail(f"track {track}: DefaultDuration {duration} is not a whole number of ticks")
        previous = None
        count = 0
        for cluster in self.clusters:
            cluster_ts = uint_of(cluster.first(TIMESTAMP))
            for i, node in enumerate(cluster.children):
                if node.id != SIMPLE_BLOCK or block_header(node.body)[0] != track:
                    continue
                _, relative, flags, _ = block_header(node.body)
                if (flags >> 1) & 3:
                    fail("--block-groups of a laced block")
                children = [Node(BLOCK, 0, body=with_header(node.body, flags=flags & 0x0E)),
                            Node(BLOCK_DURATION, 1, body=encode_uint(duration // self.scale))]
                if not flags & 0x80:
                    children.append(Node(REFERENCE_BLOCK, 1, body=encode_sint(previous - (cluster_ts + relative))))
                cluster.children[i] = Node(BLOCK_GROUP, 0, children=children, origin=node.origin)
                previous = cluster_ts + relative
                count += 1
        self.report.setdefault("blockGroups", []).append(track)
        self.report.setdefault("blockGroupBlocks", {})[str(track)] = count

    # --timestamp-scale NS
    def timestamp_scale(self, scale):
        if self.scale % scale:
            fail(f"TimestampScale {self.scale} is not a multiple of {scale}")
        factor = self.scale // scale
        scale_node = self.info.first(TIMESTAMP_SCALE)
        if scale_node is None:
            scale_node = Node(TIMESTAMP_SCALE, 1)
            self.info.children.insert(0, scale_node)
        scale_node.body = encode_uint(scale, 3)
        duration = self.info.first(DURATION)
        if duration is not None:
            fmt = ">d" if len(duration.body) == 8 else ">f"
            duration.body = struct.pack(fmt, struct.unpack(fmt, duration.body)[0] * factor)

        def times(node, eid):
            target = node.first(eid)
            if target is not None:
                target.body = encode_uint(uint_of(target) * factor, len(target.body))

        for cluster in self.clusters:
            times(cluster, TIMESTAMP)
            for node in self.blocks_of(cluster):
                block = node if node.id == SIMPLE_BLOCK else node.first(BLOCK)
                block.body = with_header(block.body, relative=block_header(block.body)[1] * factor)
                if node.id == BLOCK_GROUP:
                    times(node, BLOCK_DURATION)
                    reference = node.first(REFERENCE_BLOCK)
                    if reference is not None:
                        reference.body = encode_sint(int.from_bytes(reference.body, "big", signed=True) * factor)
        cues = self.segment.first(CUES)
        for point in (cues.find(CUE_POINT) if cues else []):
            times(point, CUE_TIME)
            for positions in point.find(CUE_TRACK_POSITIONS):
                times(positions, CUE_DURATION)
        self.report["timestampScale"] = scale
        self.report["sourceTimestampScale"] = self.scale
        self.scale = scale

    # --unknown-size-clusters
    def unknown_size_clusters(self):
        for cluster in self.clusters:
            cluster.unknown = True
            cluster.size_length = 8
        self.report["unknownSizeClusters"] = len(self.clusters)

    # --garbage CLUSTER:BLOCK:N:SEED
    def garbage(self, cluster_index, block_index, length, seed):
        cluster = self.clusters[cluster_index]
        target = self.blocks_of(cluster)[block_index]
        rng = random.Random(seed)
        node = Node(None, 0)
        node.raw = bytes(rng.getrandbits(8) for _ in range(length))
        cluster.children.insert(cluster.children.index(target), node)
        self.damage.append(("garbage", node, target, {"cluster": cluster_index, "beforeBlock": block_index,
                                                      "length": length, "seed": seed}))

    # --bad-block-size CLUSTER:BLOCK
    def bad_block_size(self, cluster_index, block_index):
        cluster = self.clusters[cluster_index]
        blocks = self.blocks_of(cluster)
        node = blocks[block_index]
        if node.id != SIMPLE_BLOCK or node.size_length != 2:
            fail("--bad-block-size needs a SimpleBlock with a 2-byte size field")
        node.fake_size = (1 << 14) - 2  # the largest known size of a 2-byte vint
        after = cluster.children[cluster.children.index(node) + 1:]
        self.damage.append(("block-size", node, after[0] if after else None,
                            {"cluster": cluster_index, "block": blocks.index(node), "trueSize": len(node.body),
                             "writtenSize": node.fake_size}))
        self.overrun = (node, cluster)

    # Writing
    def serialise(self):
        """Write the tree, fixing SeekHead, Cues and CRC-32 until the offsets no longer change."""
        previous = None
        for _ in range(10):
            out = b"".join(write(n) for n in self.roots)
            position = 0
            for n in self.roots:
                place(n, position)
                position += n.length
            if out == previous:
                return out
            previous = out
            self._fix_positions()
        fail("the layout does not settle")

    def _fix_positions(self):
        segment_data = self.segment.offset + self.segment.header_length
        seek_head = self.segment.first(SEEK_HEAD)
        for seek in (seek_head.find(SEEK) if seek_head else []):
            eid = int.from_bytes(seek.first(SEEK_ID).body, "big")
            target = self.segment.first(eid)
            position = seek.first(SEEK_POSITION)
            position.body = encode_uint(target.offset - segment_data, len(position.body))
        for positions, cluster, block in self.cue_targets:
            node = positions.first(CUE_CLUSTER_POSITION)
            node.body = encode_uint(cluster.offset - segment_data, len(node.body))
            if block is not None:
                holder = next(n for n in cluster.children
                              if n.origin == block.origin or block.origin in getattr(n, "merged", ()))
                node = positions.first(CUE_RELATIVE_POSITION)
                node.body = encode_uint(holder.offset - cluster.offset - cluster.header_length, len(node.body))

    def damage_report(self):
        if hasattr(self, "overrun"):
            node, cluster = self.overrun
            if node.offset + node.header_length + node.fake_size <= cluster.offset + cluster.length:
                fail("the written block size does not run past the end of its Cluster: pick a later block")
        changes = []
        for kind, node, resume, extra in self.damage:
            change = {"kind": kind, "offset": node.offset}
            if kind == "block-size":
                change["sizeFieldOffset"] = node.offset + 1
            change.update(extra)
            change["resumeAt"] = resume.offset
            changes.append(change)
        return {"tool": self.report["tool"], "source": self.report["source"],
                "operations": self.report["operations"], "changes": sorted(changes, key=lambda c: c["offset"])}


def id_bytes(eid):
    return eid.to_bytes((eid.bit_length() + 7) // 8, "big")


def write(node):
    """The bytes of an element; sets node.length, node.header_length and each child's offset in its parent."""
    if node.raw is not None:
        node.length, node.header_length = len(node.raw), 0
        return node.raw
    if node.children is not None:
        parts, local = [], 0
        for child in node.children:
            part = write(child)
            child.local = local
            local += len(part)
            parts.append(part)
        if node.children and node.children[0].id == CRC32:  # RFC 8794 11.3.1: CRC of the rest of the body
            node.children[0].body = zlib.crc32(b"".join(parts[1:])).to_bytes(4, "little")
            parts[0] = write(node.children[0])
        body = b"".join(parts)
    else:
        body = node.body
    if node.unknown:
        size = UNKNOWN_SIZE_8 if node.size_length == 8 else bytes([0xFF])
    else:
        size = encode_size(len(body) if node.fake_size is None else node.fake_size, node.size_length)
        if node.fake_size is not None and len(size) != node.size_length:
            fail("the written size does not fit the size field")
    header = id_bytes(node.id) + size
    node.header_length = len(header)
    node.length = len(header) + len(body)
    return header + body


def place(node, offset):
    node.offset = offset
    for child in node.children or ():
        place(child, offset + node.header_length + child.local)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    source, target, ops = argv[0], argv[1], argv[2:]
    with open(source, "rb") as f:
        r = Rewriter(f.read(), os.path.basename(source))
    i = 0
    while i < len(ops):
        op = ops[i]
        arg = ops[i + 1].split(":") if i + 1 < len(ops) and not ops[i + 1].startswith("--") else []
        if op != "--source":
            r.report["operations"].append(" ".join([op] + ([ops[i + 1]] if arg else [])))
        if op == "--default-duration":
            r.set_default_duration(int(arg[0]), int(arg[1]))
        elif op == "--lace":
            r.lace(int(arg[0]), arg[1], int(arg[2]))
        elif op == "--block-groups":
            r.block_groups(int(arg[0]))
        elif op == "--timestamp-scale":
            r.timestamp_scale(int(arg[0]))
        elif op == "--source":  # what to record as the source when it is not a kept file
            r.report["source"] = ops[i + 1]
        elif op == "--unknown-size-clusters":
            r.unknown_size_clusters()
        elif op == "--garbage":
            r.garbage(*(int(a) for a in arg))
        elif op == "--bad-block-size":
            r.bad_block_size(*(int(a) for a in arg))
        elif op == "--strip-header":
            r.strip_header(int(arg[0]), int(arg[1]))
        else:
            fail(f"unknown operation {op}")
        i += 2 if arg else 1
    data = r.serialise()
    with open(target, "wb") as f:
        f.write(data)
    print(json.dumps(r.damage_report() if r.damage else r.report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
