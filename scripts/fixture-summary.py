#!/usr/bin/env python3
"""Write the expected summary (<name>.json) of an MPEG-TS fixture.

The summary is the golden expectation that weir's tests compare against, so it is
computed by tools that share no code with weir:

* ffprobe (packet counts, timestamps, dimensions, SAR, sample rate, channels), and
* a small scan of the raw transport stream in this file (ISO/IEC 13818-1), which
  reads the codec string straight from the elementary-stream bytes:
  - avc1.PPCCLL: the first SPS (NAL type 7, ITU-T H.264 7.3.2.1.1) that follows a
    start code in the PES payload of the video PID gives profile_idc, the
    constraint-flags byte and level_idc.
  - mp4a.40.N: the first ADTS header (ISO/IEC 13818-7 / 14496-3 1.A.2) in the PES
    payload of the audio PID gives profile; audioObjectType = profile + 1.
  The ADTS sampling-frequency index and channel configuration are cross-checked
  against ffprobe, so the two sources cannot silently disagree.

The PID of each stream is taken from ffprobe's stream "id" (e.g. 0x100), and the
TS scan follows PES packets by payload_unit_start_indicator; no PAT/PMT parsing
is needed for a file with one program, which is what the fixtures are.

Usage:
  fixture-summary.py FILE.ts [FILE.ts ...]   write FILE.json beside each file
  fixture-summary.py --raw-pts FILE.ts       print the raw 33-bit PES PTS/DTS per
                                             PID and whether they wrap (used by
                                             make-fixtures.sh to prove the wrap
                                             fixture really wraps; ffprobe
                                             unwraps timestamps, so it cannot)
Only the Python standard library is used.
"""

import json
import os
import subprocess
import sys
from collections import Counter

TS_PACKET_SIZE = 188
TS_SYNC_BYTE = 0x47
PTS_WRAP = 1 << 33
ADTS_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050,
                     16000, 12000, 11025, 8000, 7350]


def ts_packets(data):
    """Yield (pid, payload_unit_start, payload) for every TS packet (13818-1 2.4.3.2)."""
    if len(data) % TS_PACKET_SIZE != 0:
        raise ValueError("file size is not a multiple of 188 bytes")
    for pos in range(0, len(data), TS_PACKET_SIZE):
        pkt = data[pos:pos + TS_PACKET_SIZE]
        if pkt[0] != TS_SYNC_BYTE:
            raise ValueError(f"lost sync at byte {pos}")
        pusi = bool(pkt[1] & 0x40)
        pid = ((pkt[1] & 0x1F) << 8) | pkt[2]
        afc = (pkt[3] >> 4) & 0x3
        offset = 4
        if afc & 0x2:  # adaptation field present
            offset += 1 + pkt[4]
        if not afc & 0x1 or offset >= TS_PACKET_SIZE:  # no payload
            continue
        yield pid, pusi, pkt[offset:]


def pes_packets(data, pid):
    """Yield the complete PES packets (header included) carried on one PID."""
    current = None
    for packet_pid, pusi, payload in ts_packets(data):
        if packet_pid != pid:
            continue
        if pusi:
            if current is not None:
                yield bytes(current)
            current = bytearray(payload)
        elif current is not None:
            current.extend(payload)
    if current is not None:
        yield bytes(current)


def read_timestamp(b):
    """Decode a 33-bit PTS/DTS from its 5-byte PES field (13818-1 2.4.3.7)."""
    return (((b[0] >> 1) & 0x07) << 30) | (b[1] << 22) | ((b[2] >> 1) << 15) \
        | (b[3] << 7) | (b[4] >> 1)


def parse_pes(pes):
    """Return (pts, dts, payload) of a PES packet; pts/dts are None when absent."""
    if pes[0:3] != b"\x00\x00\x01":
        raise ValueError("PES packet without start code prefix")
    flags = pes[7]
    header_len = pes[8]
    pts = dts = None
    if flags & 0x80:
        pts = read_timestamp(pes[9:14])
    if flags & 0x40:
        dts = read_timestamp(pes[14:19])
    return pts, dts, pes[9 + header_len:]


def elementary_stream(data, pid):
    """Concatenated PES payloads of one PID: the elementary stream."""
    return b"".join(parse_pes(pes)[2] for pes in pes_packets(data, pid))


def first_sps(es):
    """Return the first SPS NAL unit (Annex B byte stream) with emulation prevention removed."""
    i = 0
    while True:
        i = es.find(b"\x00\x00\x01", i)
        if i < 0 or i + 3 >= len(es):
            raise ValueError("no SPS (NAL type 7) found in the video PID")
        nal_start = i + 3
        if es[nal_start] & 0x1F == 7:
            end = es.find(b"\x00\x00\x01", nal_start)
            nal = es[nal_start:end if end >= 0 else len(es)]
            return nal.replace(b"\x00\x00\x03", b"\x00\x00")
        i = nal_start


def avc_codec_string(es):
    sps = first_sps(es)
    profile_idc, constraint_flags, level_idc = sps[1], sps[2], sps[3]
    return f"avc1.{profile_idc:02x}{constraint_flags:02x}{level_idc:02x}"


def first_adts(es):
    """Return (audio_object_type, sample_rate, channel_configuration) of the first ADTS header."""
    for i in range(len(es) - 7):
        if es[i] == 0xFF and es[i + 1] & 0xF6 == 0xF0:  # syncword, layer 00
            profile = es[i + 2] >> 6
            sf_index = (es[i + 2] >> 2) & 0x0F
            channels = ((es[i + 2] & 0x01) << 2) | (es[i + 3] >> 6)
            return profile + 1, ADTS_SAMPLE_RATES[sf_index], channels
    raise ValueError("no ADTS header found in the audio PID")


def ffprobe(path):
    cmd = ["ffprobe", "-v", "error", "-count_packets", "-show_streams", "-show_format",
           "-show_packets", "-of", "json", path]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def seconds(value):
    """ffprobe prints times with microsecond precision; keep exactly that."""
    return round(float(value), 6)


def summarize(path):
    probe = ffprobe(path)
    with open(path, "rb") as f:
        data = f.read()
    tracks = []
    for stream in probe["streams"]:
        kind = stream["codec_type"]
        if kind not in ("video", "audio"):
            continue
        index = stream["index"]
        packets = [p for p in probe["packets"] if p["stream_index"] == index]
        pid = int(stream["id"], 16)
        es = elementary_stream(data, pid)
        track = {"kind": kind, "codec": stream["codec_name"]}
        if stream["codec_name"] == "h264":
            track["codecString"] = avc_codec_string(es)
            sar = stream.get("sample_aspect_ratio", "1:1")
            sar_num, sar_den = (int(x) for x in sar.split(":"))
            if sar_num == 0:  # ffprobe reports 0:1 when the SPS has no VUI aspect ratio
                sar_num, sar_den = 1, 1
            track.update(width=stream["width"], height=stream["height"],
                         sarNum=sar_num, sarDen=sar_den)
        elif stream["codec_name"] == "aac":
            aot, rate, channels = first_adts(es)
            if rate != int(stream["sample_rate"]) or channels != stream["channels"]:
                raise ValueError(f"{path}: ADTS says {rate} Hz/{channels} ch, ffprobe says "
                                 f"{stream['sample_rate']} Hz/{stream['channels']} ch")
            track["codecString"] = f"mp4a.40.{aot}"
            track.update(sampleRate=rate, channels=channels)
        else:
            raise ValueError(f"{path}: unexpected codec {stream['codec_name']}")
        pts = [seconds(p["pts_time"]) for p in packets if "pts_time" in p]
        dts = [seconds(p["dts_time"]) for p in packets if "dts_time" in p]
        durations = Counter(seconds(p["duration_time"]) for p in packets if "duration_time" in p)
        track.update(
            packets=int(stream["nb_read_packets"]),
            firstPts=min(pts),
            firstDts=min(dts),
            lastPts=max(pts),
            # The most common packet duration: 1/fps for video, 1024/sampleRate for AAC-LC.
            frameDuration=durations.most_common(1)[0][0],
        )
        if track["packets"] != len(packets):
            raise ValueError(f"{path}: -count_packets and -show_packets disagree")
        tracks.append(track)
    fmt = probe["format"]
    return {
        "file": os.path.basename(path),
        "container": "mpegts" if fmt["format_name"] == "mpegts" else fmt["format_name"],
        "tracks": tracks,
        "startTime": seconds(fmt["start_time"]),
        "duration": seconds(fmt["duration"]),
    }


def raw_pts_report(path):
    """Print the raw (wrapped) PES timestamps per PID; exit 0 only if every PID wraps."""
    probe = ffprobe(path)
    with open(path, "rb") as f:
        data = f.read()
    all_wrap = True
    for stream in probe["streams"]:
        pid = int(stream["id"], 16)
        values = [parse_pes(pes)[0] for pes in pes_packets(data, pid)]
        values = [v for v in values if v is not None]
        backwards = [(a, b) for a, b in zip(values, values[1:]) if b < a - PTS_WRAP // 2]
        wraps = bool(backwards)
        all_wrap = all_wrap and wraps
        print(f"PID 0x{pid:x} ({stream['codec_name']}): {len(values)} PES, first raw PTS "
              f"{values[0]} ({values[0] / 90000:.6f} s), last raw PTS {values[-1]} "
              f"({values[-1] / 90000:.6f} s), max {max(values)}, min {min(values)}; "
              + (f"wraps from {backwards[0][0]} to {backwards[0][1]}" if wraps else "no wrap"))
    return 0 if all_wrap else 1


def main(argv):
    if len(argv) >= 2 and argv[0] == "--raw-pts":
        return max(raw_pts_report(p) for p in argv[1:])
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    for path in argv:
        summary = summarize(path)
        out = os.path.splitext(path)[0] + ".json"
        with open(out, "w") as f:
            json.dump(summary, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
