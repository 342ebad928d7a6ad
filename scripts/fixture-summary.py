#!/usr/bin/env python3
"""Write the expected summary (<name>.json) of an MPEG-TS fixture.

The summary is the golden expectation that weir's tests compare against, so it is
computed by tools that share no code with weir:

* ffprobe (packet counts, timestamps, dimensions, SAR, sample rate, channels,
  language tags, and the per-frame size of video that changes resolution), and
* a small scan of the raw transport stream in this file (ISO/IEC 13818-1):
  - packets of 188 bytes, or 192 (M2TS: a 4-byte TP_extra_header before each
    packet), with resynchronisation on 0x47 past bytes that are not packets
    (recorded as "resyncs") and a continuity_counter check per PID (recorded as
    "continuityErrors");
  - the PAT and the PMT (CRC checked): each elementary stream's stream_type and
    ES_info descriptors, decoded where this script knows them;
  - the codec string, read straight from the elementary-stream bytes:
    - avc1.PPCCLL: the first H.264 SPS (NAL type 7, ITU-T H.264 7.3.2.1.1):
      profile_idc, constraint flags byte, level_idc;
    - hvc1.<space><profile>.<compat>.<tier><level>.<constraints>: the first HEVC
      SPS (NAL type 33, ITU-T H.265 7.3.2.2) profile_tier_level, formatted as in
      ISO/IEC 14496-15 Annex E.3;
    - mp4a.40.N: the first ADTS header (ISO/IEC 14496-3 1.A.2.2), or for LATM
      (stream_type 0x11) the AudioSpecificConfig in the first LOAS frame's
      StreamMuxConfig (ISO/IEC 14496-3 1.7.3): audioObjectType N;
    - ac-3 / ec-3: the first AC-3 (ATSC A/52 5.3, bsid <= 10) or E-AC-3 (A/52
      E.1.2, bsid 16) sync frame;
    - mp4a.6B / mp4a.69: the first MPEG audio frame header (ISO/IEC 11172-3
      2.4.1.3): 6B for MPEG-1 (ISO/IEC 11172-3), 69 for MPEG-2 (ISO/IEC 13818-3)
      sampling rates, whatever the layer;
    - opus: the Opus access units behind each opus_control_header (the Opus-in-TS
      encapsulation: stream_type 0x06, registration 'Opus', DVB extension
      descriptor 0x7F with tag extension 0x80 and channel_config_code) are
      counted and must match ffprobe's packet count.
  Sample rate and channel count read from those headers (and every SPS's coded
  size after cropping) are cross-checked against ffprobe, so the two sources
  cannot silently disagree.

The PID of each stream is ffprobe's stream "id" (e.g. 0x100); the PMT gives the
stream_type and descriptors of that PID. Only the first program of the PAT is
read (every fixture has one), and the script fails if its PMT ever changes.

Usage:
  fixture-summary.py FILE.ts [FILE.ts ...]   write FILE.json beside each file (.webm and .mkv files are handed
                                             to mkv-summary.py, with all arguments)
  fixture-summary.py --damage JSON FILE.ts   the same for one file damaged on
                                             purpose: JSON (written by
                                             make-fixtures.sh) describes the damage;
                                             it is checked against the scan and
                                             stored as "damage"
  fixture-summary.py --raw-pts FILE.ts       print the raw 33-bit PES PTS/DTS per
                                             PID and whether they wrap (used by
                                             make-fixtures.sh to prove the wrap
                                             fixture really wraps; ffprobe
                                             unwraps timestamps, so it cannot)
  fixture-summary.py --pmt FILE.ts           print the packet size and the PMT,
                                             one line per elementary stream (used
                                             by make-fixtures.sh to check the
                                             signalling of each fixture)
Only the Python standard library is used.
"""

import json
import os
import subprocess
import sys
from collections import Counter, namedtuple

TS_PACKET_SIZE = 188
M2TS_PACKET_SIZE = 192  # TP_extra_header (2-bit copy permission + 30-bit arrival time stamp) + TS packet
TS_SYNC_BYTE = 0x47
NULL_PID = 0x1FFF
PTS_WRAP = 1 << 33
ADTS_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050,
                     16000, 12000, 11025, 8000, 7350]
AC3_SAMPLE_RATES = [48000, 44100, 32000]
# Full-bandwidth channels per acmod (A/52 Table 5.8); the LFE channel is added when lfeon is set.
AC3_CHANNELS = [2, 1, 2, 3, 3, 4, 4, 5]
MPEG_AUDIO_SAMPLE_RATES = {3: [44100, 48000, 32000],  # version bits 11: MPEG-1
                           2: [22050, 24000, 16000],  # 10: MPEG-2 LSF
                           0: [11025, 12000, 8000]}   # 00: MPEG-2.5 (unofficial)
# Descriptor tags this script decodes or names (13818-1 2.6, ETSI EN 300 468 6.2, ATSC A/52 A.4).
DESCRIPTOR_NAMES = {
    0x05: "registration",
    0x0A: "ISO_639_language",
    0x28: "AVC_video",
    0x38: "HEVC_video",
    0x52: "stream_identifier",
    0x6A: "AC-3",
    0x7A: "enhanced_AC-3",
    0x7F: "extension",
    0x81: "ATSC_AC-3_audio",
}

Packet = namedtuple("Packet", "offset pid pusi cc discontinuity payload")


# --- Transport stream packets (13818-1 2.4.3.2) ----------------------------------------------------------------

def detect_packet_size(data):
    """188 for plain TS, 192 for M2TS (the sync byte follows a 4-byte header): five packets in a row must agree."""
    for size in (TS_PACKET_SIZE, M2TS_PACKET_SIZE):
        prefix = size - TS_PACKET_SIZE
        count = min(5, len(data) // size)
        if count and all(data[prefix + k * size] == TS_SYNC_BYTE for k in range(count)):
            return size
    raise ValueError("neither 188- nor 192-byte packets at the start of the file")


class TsScan:
    """Every packet of a file, found by sync byte, with what does not fit the packet grid recorded.

    resyncs: bytes between packets that are not packets ({"offset", "length"}, offset of the first stray byte):
             the scan looks for the next 0x47 that is followed by another 0x47 one packet later.
    continuityErrors: packets whose continuity_counter is not the previous one + 1 on their PID (payload-carrying
             packets only, as 13818-1 2.4.3.3 counts; duplicates and discontinuity_indicator are allowed):
             {"pid", "offset", "expected", "found", "missing" = (found - expected) mod 16}.
    """

    def __init__(self, data):
        self.packet_size = size = detect_packet_size(data)
        prefix = size - TS_PACKET_SIZE
        self.packets, self.resyncs, self.continuity_errors = [], [], []
        last_cc = {}
        pos = 0
        while pos + size <= len(data):
            if data[pos + prefix] != TS_SYNC_BYTE:
                start = self._resync(data, pos, size, prefix)
                self.resyncs.append({"offset": pos, "length": start - pos})
                pos = start
                if pos + size > len(data):
                    break
            pkt = data[pos + prefix:pos + size]
            pusi = bool(pkt[1] & 0x40)
            pid = ((pkt[1] & 0x1F) << 8) | pkt[2]
            afc = (pkt[3] >> 4) & 0x3
            cc = pkt[3] & 0x0F
            offset = 4
            discontinuity = False
            if afc & 0x2:  # adaptation field present
                if pkt[4] > 0:
                    discontinuity = bool(pkt[5] & 0x80)  # discontinuity_indicator
                offset += 1 + pkt[4]
            payload = pkt[offset:] if afc & 0x1 and offset < TS_PACKET_SIZE else None
            if payload is not None and pid != NULL_PID:
                expected = (last_cc[pid] + 1) & 0x0F if pid in last_cc else cc
                if cc != expected and cc != last_cc[pid] and not discontinuity:
                    self.continuity_errors.append({"pid": pid, "offset": pos, "expected": expected, "found": cc,
                                                   "missing": (cc - expected) & 0x0F})
                last_cc[pid] = cc
            self.packets.append(Packet(pos, pid, pusi, cc, discontinuity, payload))
            pos += size
        if pos != len(data):
            raise ValueError(f"{len(data) - pos} bytes after the last whole packet")

    @staticmethod
    def _resync(data, pos, size, prefix):
        """Start of the next packet after stray bytes at pos: a sync byte with another one a packet later."""
        sync = pos + prefix
        while True:
            sync = data.find(bytes([TS_SYNC_BYTE]), sync + 1)
            if sync < 0:
                return len(data)
            follower = sync + size
            if follower >= len(data) or data[follower] == TS_SYNC_BYTE:
                return sync - prefix

    def pes_packets(self, pid):
        """Yield the complete PES packets (header included) carried on one PID."""
        current = None
        for pkt in self.packets:
            if pkt.pid != pid or pkt.payload is None:
                continue
            if pkt.pusi:
                if current is not None:
                    yield bytes(current)
                current = bytearray(pkt.payload)
            elif current is not None:
                current.extend(pkt.payload)
        if current is not None:
            yield bytes(current)

    def psi_sections(self, pid):
        """Yield every complete PSI section on one PID (13818-1 2.4.4: pointer_field, sections across packets)."""
        buf = None
        for pkt in self.packets:
            if pkt.pid != pid or pkt.payload is None:
                continue
            payload = pkt.payload
            if pkt.pusi:
                pointer = payload[0]
                if buf is not None:  # the end of a section begun in an earlier packet
                    buf.extend(payload[1:1 + pointer])
                    yield from _take_sections(buf)
                buf = bytearray(payload[1 + pointer:])
            elif buf is not None:
                buf.extend(payload)
            else:
                continue
            yield from _take_sections(buf)


def _take_sections(buf):
    """Remove and yield the complete sections at the start of buf; 0xFF stuffing ends the packet's sections."""
    while len(buf) >= 3 and buf[0] != 0xFF:
        length = 3 + (((buf[1] & 0x0F) << 8) | buf[2])  # section_length counts the bytes after it
        if len(buf) < length:
            return
        yield bytes(buf[:length])
        del buf[:length]
    if buf and buf[0] == 0xFF:
        buf.clear()


def crc32_mpeg2(data):
    """CRC-32 of 13818-1 Annex A (polynomial 0x04C11DB7, initial value all ones, no reflection)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def first_section(scan, pid, table_id):
    for section in scan.psi_sections(pid):
        if section[0] == table_id and crc32_mpeg2(section) == 0:
            return section
    raise ValueError(f"no table_id {table_id} section with a valid CRC on PID 0x{pid:x}")


def read_pmt(scan):
    """Return {pid: (stream_type, descriptor bytes)} from the first PMT of the first program in the PAT."""
    pat = first_section(scan, 0x0000, 0x00)
    pmt_pid = None
    for i in range(8, len(pat) - 4, 4):  # program loop, CRC_32 excluded
        program_number = (pat[i] << 8) | pat[i + 1]
        if program_number != 0:  # program 0 points at the network PID (NIT)
            pmt_pid = ((pat[i + 2] & 0x1F) << 8) | pat[i + 3]
            break
    if pmt_pid is None:
        raise ValueError("the PAT lists no program")
    pmt = first_section(scan, pmt_pid, 0x02)
    others = {s for s in scan.psi_sections(pmt_pid) if s[0] == 0x02 and s != pmt}
    if others:
        raise ValueError(f"the PMT changes ({len(others)} other versions): only one PMT is handled")
    program_info_length = ((pmt[10] & 0x0F) << 8) | pmt[11]
    streams = {}
    i = 12 + program_info_length
    while i + 5 <= len(pmt) - 4:
        stream_type = pmt[i]
        pid = ((pmt[i + 1] & 0x1F) << 8) | pmt[i + 2]
        es_info_length = ((pmt[i + 3] & 0x0F) << 8) | pmt[i + 4]
        streams[pid] = (stream_type, pmt[i + 5:i + 5 + es_info_length])
        i += 5 + es_info_length
    return pmt_pid, streams


def split_descriptors(buf):
    """[(tag, body)] of a descriptor loop."""
    out, i = [], 0
    while i + 2 <= len(buf):
        tag, length = buf[i], buf[i + 1]
        out.append((tag, bytes(buf[i + 2:i + 2 + length])))
        i += 2 + length
    return out


def describe_descriptor(tag, body):
    """A descriptor for the JSON: tag, name, raw body (hex) and the fields decoded for the known tags."""
    d = {"tag": tag, "name": DESCRIPTOR_NAMES.get(tag, "unknown"), "data": body.hex()}
    if tag == 0x05 and len(body) >= 4:  # registration_descriptor: format_identifier (SMPTE-RA), 4 characters
        d["formatIdentifier"] = body[:4].decode("latin-1")
    elif tag == 0x0A:  # ISO_639_language_descriptor: (ISO_639_language_code, audio_type) * N
        d["languages"] = [{"language": body[i:i + 3].decode("latin-1"), "audioType": body[i + 3]}
                          for i in range(0, len(body) - 3, 4)]
    elif tag in (0x6A, 0x7A) and body:  # DVB AC-3 / enhanced_AC-3 descriptor (EN 300 468 D.3, D.5)
        d["flags"] = body[0]
        i = 1
        # The optional one-byte fields, in order, each present when its flag is set (0x7A's substream fields,
        # which follow asvc, are not decoded).
        for bit, name in ((0x80, "componentType"), (0x40, "bsid"), (0x20, "mainid"), (0x10, "asvc")):
            if body[0] & bit and i < len(body):
                d[name] = body[i]
                i += 1
    elif tag == 0x7F and body:  # DVB extension_descriptor: descriptor_tag_extension, then its body
        d["tagExtension"] = body[0]
    return d


# --- PES and elementary streams ---------------------------------------------------------------------------------

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


def pes_payloads(scan, pid):
    return [parse_pes(pes)[2] for pes in scan.pes_packets(pid)]


class BitReader:
    """MSB-first bit reader with Exp-Golomb codes (H.264 / H.265 9.2)."""

    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos * 8

    def u(self, n):
        value = 0
        for _ in range(n):
            byte = self.data[self.pos >> 3]
            value = (value << 1) | ((byte >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return value

    def ue(self):
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self):
        k = self.ue()
        return (k + 1) // 2 if k & 1 else -(k // 2)


def nal_units(es):
    """Yield the NAL units of an Annex B byte stream, emulation prevention bytes removed."""
    starts = []
    i = es.find(b"\x00\x00\x01")
    while i >= 0:
        starts.append(i + 3)
        i = es.find(b"\x00\x00\x01", i + 3)
    for n, start in enumerate(starts):
        end = starts[n + 1] - 3 if n + 1 < len(starts) else len(es)
        yield es[start:end].rstrip(b"\x00").replace(b"\x00\x00\x03", b"\x00\x00")


def video_nal_units(payloads):
    """NAL units of every PES payload of a video PID (a PES payload starts on a start code in every fixture)."""
    for payload in payloads:
        yield from nal_units(payload)


# --- H.264 ---

def h264_sps(nal):
    """ITU-T H.264 7.3.2.1.1: profile, constraint flags, level and the cropped size (7.4.2.1.1, frame_crop_*)."""
    r = BitReader(nal, 1)
    profile_idc, constraint_flags, level_idc = r.u(8), r.u(8), r.u(8)
    r.ue()  # seq_parameter_set_id
    chroma_format_idc = 1
    if profile_idc in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
        chroma_format_idc = r.ue()
        if chroma_format_idc == 3:
            r.u(1)  # separate_colour_plane_flag
        r.ue()  # bit_depth_luma_minus8
        r.ue()  # bit_depth_chroma_minus8
        r.u(1)  # qpprime_y_zero_transform_bypass_flag
        if r.u(1):  # seq_scaling_matrix_present_flag
            for i in range(8 if chroma_format_idc != 3 else 12):
                if r.u(1):  # seq_scaling_list_present_flag[i]: skip scaling_list() (7.3.2.1.1.1)
                    last = next_scale = 8
                    for _ in range(16 if i < 6 else 64):
                        if next_scale != 0:
                            next_scale = (last + r.se() + 256) % 256
                        last = next_scale if next_scale != 0 else last
    r.ue()  # log2_max_frame_num_minus4
    pic_order_cnt_type = r.ue()
    if pic_order_cnt_type == 0:
        r.ue()  # log2_max_pic_order_cnt_lsb_minus4
    elif pic_order_cnt_type == 1:
        r.u(1)  # delta_pic_order_always_zero_flag
        r.se()  # offset_for_non_ref_pic
        r.se()  # offset_for_top_to_bottom_field
        for _ in range(r.ue()):  # num_ref_frames_in_pic_order_cnt_cycle
            r.se()  # offset_for_ref_frame[i]
    r.ue()  # max_num_ref_frames
    r.u(1)  # gaps_in_frame_num_value_allowed_flag
    width_mbs = r.ue() + 1  # pic_width_in_mbs_minus1
    height_map_units = r.ue() + 1  # pic_height_in_map_units_minus1
    frame_mbs_only = r.u(1)  # frame_mbs_only_flag
    if not frame_mbs_only:
        r.u(1)  # mb_adaptive_frame_field_flag
    r.u(1)  # direct_8x8_inference_flag
    crop = [0, 0, 0, 0]
    if r.u(1):  # frame_cropping_flag
        crop = [r.ue() for _ in range(4)]  # frame_crop_left/right/top/bottom_offset
    sub_width, sub_height = {1: (2, 2), 2: (2, 1)}.get(chroma_format_idc, (1, 1))
    crop_x, crop_y = sub_width, sub_height * (2 - frame_mbs_only)  # CropUnitX, CropUnitY (7-19, 7-20)
    width = width_mbs * 16 - crop_x * (crop[0] + crop[1])
    height = (2 - frame_mbs_only) * height_map_units * 16 - crop_y * (crop[2] + crop[3])
    return f"avc1.{profile_idc:02x}{constraint_flags:02x}{level_idc:02x}", width, height


def h264_info(payloads):
    """(codec string of the first SPS, [(width, height)] of every SPS in stream order)."""
    codec, sizes = None, []
    for nal in video_nal_units(payloads):
        if nal and nal[0] & 0x1F == 7:
            string, width, height = h264_sps(nal)
            codec = codec or string
            sizes.append((width, height))
    if codec is None:
        raise ValueError("no SPS (NAL type 7) found in the video PID")
    return codec, sizes


# --- HEVC ---

def hevc_sps(nal):
    """ITU-T H.265 7.3.2.2.1 up to the conformance window: the codec string of ISO/IEC 14496-15 E.3 and the size.

    hvc1.<general_profile_space as '', A, B, C><general_profile_idc>.<general_profile_compatibility_flags with the
    bits reversed, hex, no leading zeros>.<L or H by general_tier_flag><general_level_idc>.<the six bytes holding
    general_progressive_source_flag .. general_inbld_flag, hex, trailing zero bytes dropped>.
    """
    r = BitReader(nal, 2)  # after the two-byte NAL unit header
    r.u(4)  # sps_video_parameter_set_id
    max_sub_layers_minus1 = r.u(3)  # sps_max_sub_layers_minus1
    r.u(1)  # sps_temporal_id_nesting_flag
    # profile_tier_level(1, sps_max_sub_layers_minus1), 7.3.3
    profile_space = r.u(2)  # general_profile_space
    tier = r.u(1)  # general_tier_flag
    profile_idc = r.u(5)  # general_profile_idc
    compatibility = r.u(32)  # general_profile_compatibility_flag[0..31]
    constraints = [r.u(8) for _ in range(6)]  # progressive, interlaced, non_packed, frame_only, 43 + 1 bits
    level_idc = r.u(8)  # general_level_idc
    sub_profile = []
    for _ in range(max_sub_layers_minus1):
        sub_profile.append((r.u(1), r.u(1)))  # sub_layer_profile_present_flag, sub_layer_level_present_flag
    if max_sub_layers_minus1 > 0:
        for _ in range(max_sub_layers_minus1, 8):
            r.u(2)  # reserved_zero_2bits
    for profile_present, level_present in sub_profile:
        if profile_present:
            r.u(88)  # sub_layer profile space .. inbld flag
        if level_present:
            r.u(8)  # sub_layer_level_idc
    r.ue()  # sps_seq_parameter_set_id
    chroma_format_idc = r.ue()
    if chroma_format_idc == 3:
        r.u(1)  # separate_colour_plane_flag
    width = r.ue()  # pic_width_in_luma_samples
    height = r.ue()  # pic_height_in_luma_samples
    if r.u(1):  # conformance_window_flag
        left, right, top, bottom = (r.ue() for _ in range(4))  # conf_win_*_offset
        sub_width, sub_height = {1: (2, 2), 2: (2, 1)}.get(chroma_format_idc, (1, 1))  # SubWidthC, SubHeightC
        width -= sub_width * (left + right)
        height -= sub_height * (top + bottom)
    reversed_compatibility = int(f"{compatibility:032b}"[::-1], 2)
    while constraints and constraints[-1] == 0:
        constraints.pop()
    string = (f"hvc1.{['', 'A', 'B', 'C'][profile_space]}{profile_idc}.{reversed_compatibility:X}."
              f"{'LH'[tier]}{level_idc}" + "".join(f".{b:X}" for b in constraints))
    return string, width, height


def hevc_info(payloads):
    """(codec string of the first SPS, [(width, height)] per SPS, sorted IRAP nal_unit_types seen (16..21), number
    of leading pictures (PES payloads whose slices are RADL or RASL, nal_unit_type 6..9))."""
    codec, sizes, irap, leading = None, [], set(), 0
    for payload in payloads:
        is_leading = False
        for nal in nal_units(payload):
            if not nal:
                continue
            nal_type = (nal[0] >> 1) & 0x3F
            if nal_type == 33:
                string, width, height = hevc_sps(nal)
                codec = codec or string
                sizes.append((width, height))
            elif 16 <= nal_type <= 21:  # BLA_W_LP .. CRA_NUT
                irap.add(nal_type)
            elif 6 <= nal_type <= 9:  # RADL_N .. RASL_R
                is_leading = True
        leading += is_leading
    if codec is None:
        raise ValueError("no SPS (NAL type 33) found in the video PID")
    return codec, sizes, sorted(irap), leading


# --- Audio ---

def first_adts(es):
    """Return (audio_object_type, sample_rate, channel_configuration) of the first ADTS header."""
    for i in range(len(es) - 7):
        if es[i] == 0xFF and es[i + 1] & 0xF6 == 0xF0:  # syncword, layer 00
            profile = es[i + 2] >> 6
            sf_index = (es[i + 2] >> 2) & 0x0F
            channels = ((es[i + 2] & 0x01) << 2) | (es[i + 3] >> 6)
            return profile + 1, ADTS_SAMPLE_RATES[sf_index], channels
    raise ValueError("no ADTS header found in the audio PID")


def first_latm(es):
    """(audio_object_type, sample_rate, channel_configuration) from the first LOAS AudioSyncStream frame that
    carries a StreamMuxConfig (ISO/IEC 14496-3 1.7.2 AudioSyncStream, 1.7.3 AudioMuxElement(1))."""
    i = 0
    while i + 3 <= len(es):
        if es[i] == 0x56 and es[i + 1] & 0xE0 == 0xE0:  # syncword 0x2B7 (11 bits)
            length = ((es[i + 1] & 0x1F) << 8) | es[i + 2]  # audioMuxLengthBytes
            r = BitReader(es, i + 3)
            if r.u(1) == 0:  # useSameStreamMux: 0 means a StreamMuxConfig follows
                if r.u(1) != 0:  # audioMuxVersion
                    raise ValueError("LATM audioMuxVersion 1 is not handled")
                r.u(1)  # allStreamsSameTimeFraming
                r.u(6)  # numSubFrames
                r.u(4)  # numProgram
                r.u(3)  # numLayer
                # AudioSpecificConfig (1.6.2.1)
                aot = r.u(5)  # audioObjectType
                if aot == 31:
                    aot = 32 + r.u(6)  # audioObjectTypeExt
                sf_index = r.u(4)  # samplingFrequencyIndex
                rate = r.u(24) if sf_index == 15 else ADTS_SAMPLE_RATES[sf_index]
                channels = r.u(4)  # channelConfiguration
                return aot, rate, channels
            i += 3 + length
        else:
            i += 1
    raise ValueError("no LOAS frame with a StreamMuxConfig found in the audio PID")


def first_ac3(es, enhanced):
    """(sample_rate, channels) of the first AC-3 (A/52 5.3.1-5.4.2) or E-AC-3 (A/52 Annex E, E.1.2) sync frame."""
    for i in range(len(es) - 8):
        if es[i] != 0x0B or es[i + 1] != 0x77:  # syncword
            continue
        bsid = es[i + 5] >> 3
        if enhanced and bsid == 16:
            r = BitReader(es, i + 2)
            r.u(2)  # strmtyp
            r.u(3)  # substreamid
            r.u(11)  # frmsiz
            fscod = r.u(2)
            if fscod == 3:
                rate = AC3_SAMPLE_RATES[r.u(2)] // 2  # fscod2: reduced sampling rates
            else:
                rate = AC3_SAMPLE_RATES[fscod]
                r.u(2)  # numblkscod
            acmod = r.u(3)
            lfeon = r.u(1)
            return rate, AC3_CHANNELS[acmod] + lfeon
        if not enhanced and bsid <= 10:
            r = BitReader(es, i + 4)
            fscod = r.u(2)
            r.u(6)  # frmsizecod
            r.u(5)  # bsid
            r.u(3)  # bsmod
            acmod = r.u(3)
            if acmod & 1 and acmod != 1:
                r.u(2)  # cmixlev
            if acmod & 4:
                r.u(2)  # surmixlev
            if acmod == 2:
                r.u(2)  # dsurmod
            lfeon = r.u(1)
            return AC3_SAMPLE_RATES[fscod], AC3_CHANNELS[acmod] + lfeon
    raise ValueError(f"no {'E-AC-3' if enhanced else 'AC-3'} sync frame found in the audio PID")


def first_mpeg_audio(es):
    """(version bits, layer, sample_rate, channels) of the first MPEG audio frame header (11172-3 2.4.1.3)."""
    for i in range(len(es) - 4):
        if es[i] != 0xFF or es[i + 1] & 0xE0 != 0xE0:  # 11-bit frame sync
            continue
        version = (es[i + 1] >> 3) & 0x3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
        layer = 4 - ((es[i + 1] >> 1) & 0x3)  # layer bits 11 = I, 10 = II, 01 = III
        bitrate_index = es[i + 2] >> 4
        rate_index = (es[i + 2] >> 2) & 0x3
        if version == 1 or layer == 4 or bitrate_index == 15 or rate_index == 3:
            continue
        mode = es[i + 3] >> 6  # 3 = single channel
        return version, layer, MPEG_AUDIO_SAMPLE_RATES[version][rate_index], 1 if mode == 3 else 2
    raise ValueError("no MPEG audio frame header found in the audio PID")


def opus_access_units(payloads):
    """Count the Opus access units: each starts with an opus_control_header (Opus-in-TS encapsulation 5.1):
    0x3FF prefix (11 bits), start_trim_flag, end_trim_flag, control_extension_flag, 2 reserved bits,
    au_size as a run of 0xFF bytes plus a last byte, then the optional trim and extension fields."""
    count = 0
    for payload in payloads:
        i = 0
        while i < len(payload):
            if payload[i] != 0x7F or payload[i + 1] & 0xE0 != 0xE0:
                raise ValueError(f"no opus_control_header at byte {i} of a PES payload")
            flags = payload[i + 1]
            i += 2
            size = 0
            while payload[i] == 0xFF:
                size += 255
                i += 1
            size += payload[i]
            i += 1
            if flags & 0x10:
                i += 2  # start_trim
            if flags & 0x08:
                i += 2  # end_trim
            if flags & 0x04:
                i += 1 + payload[i]  # control_extension_length + bytes
            i += size
            count += 1
    return count


def opus_channels(descriptors):
    """Channels from the Opus audio descriptor (extension 0x80): channel_config_code 1-8 is the count (mapping
    family 0/1 in Vorbis order), 0x81-0x88 the count for mapping family 255; 0 (dual mono) and 0xFF are not."""
    for tag, body in descriptors:
        if tag == 0x7F and len(body) >= 2 and body[0] == 0x80:
            code = body[1]
            if 1 <= code <= 8:
                return code
            if 0x81 <= code <= 0x88:
                return code & 0x0F
            raise ValueError(f"Opus channel_config_code 0x{code:02x} is not handled")
    raise ValueError("no Opus audio descriptor (extension descriptor 0x80) in the PMT")


# --- ffprobe ----------------------------------------------------------------------------------------------------

def ffprobe(path):
    cmd = ["ffprobe", "-v", "error", "-count_packets", "-show_streams", "-show_format",
           "-show_packets", "-of", "json", path]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def frame_sizes(path, index):
    """ffprobe's decoded frames of one video stream: runs of equal size as [(width, height, frames, first pts)]."""
    cmd = ["ffprobe", "-v", "error", "-select_streams", str(index), "-show_entries",
           "frame=width,height,pts_time", "-of", "json", path]
    frames = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)["frames"]
    runs = []
    for frame in frames:
        size = (frame["width"], frame["height"])
        if runs and tuple(runs[-1][0:2]) == size:
            runs[-1][2] += 1
        else:
            runs.append([*size, 1, seconds(frame["pts_time"])])
    return runs


def seconds(value):
    """ffprobe prints times with microsecond precision; keep exactly that."""
    return round(float(value), 6)


def check(condition, message):
    if not condition:
        raise ValueError(message)


# --- Summary ----------------------------------------------------------------------------------------------------

def video_track(path, stream, payloads, track):
    """codecString, size, SAR (and "segments" when the size changes) of a video track; SPS sizes vs ffprobe."""
    codec = stream["codec_name"]
    if codec == "h264":
        track["codecString"], sps_sizes = h264_info(payloads)
    elif codec == "hevc":
        track["codecString"], sps_sizes, irap, leading = hevc_info(payloads)
        # Which random access points the stream has: 19/20 IDR (closed GOP), 21 CRA (open GOP), and how many
        # pictures lead an IRAP (RASL ones cannot be decoded when decoding starts at that IRAP).
        track["irapNalUnitTypes"] = irap
        track["leadingPictures"] = leading
    else:
        raise ValueError(f"{path}: unexpected video codec {codec}")
    sar = stream.get("sample_aspect_ratio", "1:1")
    sar_num, sar_den = (int(x) for x in sar.split(":"))
    if sar_num == 0:  # ffprobe reports 0:1 when the SPS has no VUI aspect ratio
        sar_num, sar_den = 1, 1
    track.update(width=stream["width"], height=stream["height"], sarNum=sar_num, sarDen=sar_den)
    check(sps_sizes[0] == (stream["width"], stream["height"]),
          f"{path}: the first SPS says {sps_sizes[0]}, ffprobe says {stream['width']}x{stream['height']}")
    # Resolution changes: ffprobe's decoded frame sizes must follow the sizes the SPSs announce, in order.
    runs = frame_sizes(path, stream["index"])
    sps_runs = [s for n, s in enumerate(sps_sizes) if n == 0 or s != sps_sizes[n - 1]]
    check([tuple(r[0:2]) for r in runs] == sps_runs,
          f"{path}: decoded frame sizes {runs} do not follow the SPS sizes {sps_runs}")
    if len(runs) > 1:
        track["segments"] = [{"width": w, "height": h, "frames": n, "firstPts": pts} for w, h, n, pts in runs]


def audio_track(path, stream, payloads, descriptors, track):
    """codecString, sample rate and channels of an audio track, from the ES headers, checked against ffprobe."""
    codec = stream["codec_name"]
    es = b"".join(payloads)
    if codec == "aac":
        aot, rate, channels = first_adts(es)
        track["codecString"] = f"mp4a.40.{aot}"
    elif codec == "aac_latm":
        aot, rate, channels = first_latm(es)
        track["codecString"] = f"mp4a.40.{aot}"
    elif codec in ("ac3", "eac3"):
        rate, channels = first_ac3(es, codec == "eac3")
        track["codecString"] = "ec-3" if codec == "eac3" else "ac-3"
    elif codec in ("mp2", "mp3"):
        version, layer, rate, channels = first_mpeg_audio(es)
        check(layer == (2 if codec == "mp2" else 3), f"{path}: ffprobe says {codec}, the header says layer {layer}")
        # Object type indication 0x6B is ISO/IEC 11172-3 (MPEG-1 audio), 0x69 ISO/IEC 13818-3 (MPEG-2 audio).
        track["codecString"] = "mp4a.6B" if version == 3 else "mp4a.69"
        track["layer"] = layer
    elif codec == "opus":
        rate, channels = 48000, opus_channels(descriptors)  # Opus in TS is always 48 kHz
        units = opus_access_units(payloads)
        check(units == int(stream["nb_read_packets"]),
              f"{path}: {units} Opus access units in the ES, ffprobe read {stream['nb_read_packets']} packets")
        track["codecString"] = "opus"
    else:
        raise ValueError(f"{path}: unexpected audio codec {codec}")
    check(rate == int(stream["sample_rate"]) and channels == stream["channels"],
          f"{path}: the {codec} headers say {rate} Hz/{channels} ch, "
          f"ffprobe says {stream['sample_rate']} Hz/{stream['channels']} ch")
    track.update(sampleRate=rate, channels=channels)


def summarize(path, damage=None):
    probe = ffprobe(path)
    with open(path, "rb") as f:
        data = f.read()
    scan = TsScan(data)
    _, pmt = read_pmt(scan)
    tracks = []
    for stream in probe["streams"]:
        kind = stream["codec_type"]
        if kind not in ("video", "audio"):
            continue
        index = stream["index"]
        packets = [p for p in probe["packets"] if p["stream_index"] == index]
        pid = int(stream["id"], 16)
        check(pid in pmt, f"{path}: PID 0x{pid:x} is not in the PMT")
        stream_type, descriptor_bytes = pmt[pid]
        descriptors = split_descriptors(descriptor_bytes)
        payloads = pes_payloads(scan, pid)
        track = {"kind": kind, "codec": stream["codec_name"]}
        if kind == "video":
            video_track(path, stream, payloads, track)
        else:
            audio_track(path, stream, payloads, descriptors, track)
        language = stream.get("tags", {}).get("language")
        pmt_languages = [entry["language"] for tag, body in descriptors if tag == 0x0A
                         for entry in describe_descriptor(tag, body)["languages"]]
        check(pmt_languages[:1] == ([language] if language else []),
              f"{path}: ffprobe language {language}, PMT ISO 639 descriptor {pmt_languages}")
        if language:
            track["language"] = language
        pts = [seconds(p["pts_time"]) for p in packets if "pts_time" in p]
        dts = [seconds(p["dts_time"]) for p in packets if "dts_time" in p]
        durations = Counter(seconds(p["duration_time"]) for p in packets if "duration_time" in p)
        track.update(
            packets=int(stream["nb_read_packets"]),
            firstPts=min(pts),
            firstDts=min(dts),
            lastPts=max(pts),
            # The most common packet duration: 1/fps for video, samples per frame / sampleRate for audio.
            frameDuration=durations.most_common(1)[0][0],
            pid=pid,
            streamType=stream_type,
            descriptors=[describe_descriptor(tag, body) for tag, body in descriptors],
        )
        check(track["packets"] == len(packets), f"{path}: -count_packets and -show_packets disagree")
        tracks.append(track)
    fmt = probe["format"]
    summary = {
        "file": os.path.basename(path),
        "container": "mpegts" if fmt["format_name"] == "mpegts" else fmt["format_name"],
        "packetSize": scan.packet_size,
        "tracks": tracks,
        "startTime": seconds(fmt["start_time"]),
        "duration": seconds(fmt["duration"]),
    }
    if damage is not None:
        check_damage(path, scan, damage)
        summary["damage"] = damage
    # What the scan found out of the ordinary: only damaged fixtures may have it, and then it must be the damage.
    if scan.resyncs:
        summary["resyncs"] = scan.resyncs
    if scan.continuity_errors:
        summary["continuityErrors"] = scan.continuity_errors
    check(damage is not None or not (scan.resyncs or scan.continuity_errors),
          f"{path}: resyncs {scan.resyncs} / continuity errors {scan.continuity_errors} in an undamaged fixture")
    return summary


def check_damage(path, scan, damage):
    """The damage make-fixtures.sh says it did must be what the scan sees, and nothing else."""
    if damage["kind"] == "dropped-packets":
        expected = sorted((run["pid"], run["outputOffset"], run["packets"] % 16) for run in damage["runs"])
        seen = sorted((e["pid"], e["offset"], e["missing"]) for e in scan.continuity_errors)
        check(seen == expected and not scan.resyncs,
              f"{path}: continuity errors {seen} (pid, offset, missing mod 16), expected {expected}")
    elif damage["kind"] == "garbage":
        expected = [{"offset": run["outputOffset"], "length": run["length"]} for run in damage["runs"]]
        check(scan.resyncs == expected and not scan.continuity_errors,
              f"{path}: resyncs {scan.resyncs}, expected {expected}")
    else:
        raise ValueError(f"unknown damage kind {damage['kind']}")


def raw_pts_report(path):
    """Print the raw (wrapped) PES timestamps per PID; exit 0 only if every PID wraps."""
    probe = ffprobe(path)
    with open(path, "rb") as f:
        scan = TsScan(f.read())
    all_wrap = True
    for stream in probe["streams"]:
        pid = int(stream["id"], 16)
        values = [parse_pes(pes)[0] for pes in scan.pes_packets(pid)]
        values = [v for v in values if v is not None]
        backwards = [(a, b) for a, b in zip(values, values[1:]) if b < a - PTS_WRAP // 2]
        wraps = bool(backwards)
        all_wrap = all_wrap and wraps
        print(f"PID 0x{pid:x} ({stream['codec_name']}): {len(values)} PES, first raw PTS "
              f"{values[0]} ({values[0] / 90000:.6f} s), last raw PTS {values[-1]} "
              f"({values[-1] / 90000:.6f} s), max {max(values)}, min {min(values)}; "
              + (f"wraps from {backwards[0][0]} to {backwards[0][1]}" if wraps else "no wrap"))
    return 0 if all_wrap else 1


def pmt_report(path):
    """Print the packet size, the PMT PID and one line per elementary stream: PID, stream_type, descriptors
    as tag:body in hex (e.g. `pid 0x101 stream_type 0x06 descriptors 05:41432d33 6a:00`)."""
    with open(path, "rb") as f:
        scan = TsScan(f.read())
    pmt_pid, streams = read_pmt(scan)
    print(f"packet_size {scan.packet_size} pmt_pid 0x{pmt_pid:x}")
    for pid, (stream_type, descriptor_bytes) in streams.items():
        descriptors = " ".join(f"{tag:02x}:{body.hex()}" for tag, body in split_descriptors(descriptor_bytes))
        print(f"pid 0x{pid:x} stream_type 0x{stream_type:02x} descriptors {descriptors}".rstrip())
    return 0


def write_summary(path, damage=None):
    summary = summarize(path, damage)
    out = os.path.splitext(path)[0] + ".json"
    with open(out, "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")


def main(argv):
    if argv and argv[-1].endswith((".webm", ".mkv")):
        # WebM/Matroska files have their own summary script (same idea, an EBML walk instead of a TS scan).
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mkv-summary.py")
        return subprocess.run([sys.executable, script, *argv]).returncode
    if len(argv) >= 2 and argv[0] == "--raw-pts":
        return max(raw_pts_report(p) for p in argv[1:])
    if len(argv) >= 2 and argv[0] == "--pmt":
        return max(pmt_report(p) for p in argv[1:])
    if len(argv) == 3 and argv[0] == "--damage":
        write_summary(argv[2], json.loads(argv[1]))
        return 0
    if not argv or argv[0].startswith("--"):
        print(__doc__, file=sys.stderr)
        return 2
    for path in argv:
        write_summary(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
