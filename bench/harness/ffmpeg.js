/**
 * ffmpeg as a reference remuxer: `-c copy` from the input file to fragmented MP4 (the flags
 * TOOLCHAIN.md gives: `frag_keyframe+empty_moov+default_base_moof+delay_moov`, and for MPEG-TS
 * `-bsf:a aac_adtstoasc`, which turns ADTS into raw AAC; Matroska and WebM carry raw AAC already, and
 * the filter refuses Opus). ffmpeg 5.1 writes VP9, AV1 and Opus into MP4 without `-strict`.
 * One ffmpeg process per run; two figures from each run:
 *  - whole process: wall time from spawn to exit, measured here (process start, probing, the remux,
 *    exit);
 *  - in process: `-benchmark`'s `rtime`, ffmpeg's own clock around its transcode loop (it leaves out
 *    start-up and opening/probing the input, but includes reading the file, from the page cache).
 * Timed runs write to /dev/null (the output is discarded, as weir's is); the validation run writes a
 * file. `-benchmark` also reports the process's peak RSS (`maxrss`), which is only right when ffmpeg
 * is not forked from the bench itself: a process forked from a large one starts with the parent's
 * resident pages counted and exec keeps that as a floor of maxrss (Linux). `viaShell` starts it from
 * a small `sh` instead, for the RSS figure (and not for timing).
 */
import { spawnSync } from 'node:child_process';

/**
 * @param {string} input
 * @param {string} output
 * @param {import('./inputs.js').Container} container the input's
 */
export function ffmpegArgs(input, output, container) {
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-benchmark',
    '-i',
    input,
    '-map',
    '0',
    '-c',
    'copy',
    ...(container === 'mpegts' ? ['-bsf:a', 'aac_adtstoasc'] : []),
    '-movflags',
    'frag_keyframe+empty_moov+default_base_moof+delay_moov',
    '-f',
    'mp4',
    '-y',
    output,
  ];
}

/** ffmpeg's version (e.g. 5.1.9-0+deb12u1), or null when it is not installed. */
export function ffmpegVersion() {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-version'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return (r.stdout.split('\n')[0] ?? '').replace(/ Copyright.*/, '').replace(/^ffmpeg version /, '');
}

/**
 * One remux by ffmpeg.
 * @param {string} input
 * @param {import('./inputs.js').Container} container the input's
 * @param {string} output
 * @param {boolean} [viaShell] start it from `sh` (for a right maxrss; adds the shell's start-up)
 * @returns {{ wallMs: number, inProcessMs: number, maxRssBytes: number }}
 */
export function runFfmpeg(input, container, output, viaShell = false) {
  const args = ffmpegArgs(input, output, container);
  const t0 = performance.now();
  // `; exit $?` keeps sh from exec'ing ffmpeg in its own place: sh forks it, small.
  const r = viaShell
    ? spawnSync('sh', ['-c', '"$@"; exit $?', 'sh', 'ffmpeg', ...args], { encoding: 'utf8', maxBuffer: 16 << 20 })
    : spawnSync('ffmpeg', args, { encoding: 'utf8', maxBuffer: 16 << 20 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`ffmpeg exited with ${r.status}: ${(r.stderr ?? '').trim().slice(-500)}`);
  const rtime = /bench: utime=[\d.]+s stime=[\d.]+s rtime=([\d.]+)s/.exec(r.stderr);
  const maxrss = /bench: maxrss=(\d+)kB/.exec(r.stderr);
  if (!rtime || !maxrss) throw new Error(`ffmpeg printed no -benchmark figures:\n${r.stderr.slice(-500)}`);
  return { wallMs, inProcessMs: Number(rtime[1]) * 1000, maxRssBytes: Number(maxrss[1]) * 1024 };
}
