#!/usr/bin/env python3
"""Opus encoder complexity: speech quality (PESQ-WB, ITU-T P.862.2) against encoding time, for
the settings Tincan uses (mono, VoIP, voice, 32 kbit/s, in-band FEC with a 5% loss hint, 20 ms
frames), at the 16 kHz encode rate (wideband, SILK only: an 8 kHz device, or a far end with
maxplaybackrate=16000) and at 48 kHz (a sound card, full band). The speech is synthesized with
espeak-ng (four voices); the decoder renders at 16 kHz for PESQ-WB. Prints figures; a benchmark,
not a test. It calls the system libopus (the one Tincan links) through ctypes.

Usage: scripts/bench-opus-quality.py [COMPLEXITIES]   (default 0 1 2 3 4 5 6 8 10)
Needs: espeak-ng, libopus0, python3 with numpy, scipy and pesq (pip install numpy scipy pesq).
"""
import ctypes
import ctypes.util
import os
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np
from pesq import pesq
from scipy.signal import resample_poly

TEXT = ("Hello, this is a longer test sentence about the weather, the telephone network and "
        "the quality of voices over the internet. Numbers: one two three four five six seven "
        "eight nine ten.")
VOICES = ["en-us", "en+f3", "de", "fr"]
# opus_defines.h
VOIP, SET_BITRATE, SET_COMPLEXITY, SET_INBAND_FEC = 2048, 4002, 4010, 4012
SET_PACKET_LOSS_PERC, SET_SIGNAL, SET_MAX_BANDWIDTH, SIGNAL_VOICE = 4014, 4024, 4004, 3001
BANDWIDTH = {16000: 1103, 48000: 1105}

lib = ctypes.CDLL(ctypes.util.find_library("opus") or "libopus.so.0")
lib.opus_encoder_create.restype = ctypes.c_void_p
lib.opus_decoder_create.restype = ctypes.c_void_p
lib.opus_encode.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int,
                            ctypes.c_char_p, ctypes.c_int32]
lib.opus_decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32,
                            ctypes.POINTER(ctypes.c_int16), ctypes.c_int, ctypes.c_int]


def speech(rate):
    """The four voices at `rate`, half a second of silence after each."""
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        for voice in VOICES:
            path = os.path.join(tmp, "v.wav")
            subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", path, TEXT], check=True)
            with wave.open(path) as w:
                x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
                source = w.getframerate()
            g = np.gcd(rate, source)
            parts += [resample_poly(x.astype(np.float64), rate // g, source // g),
                      np.zeros(rate // 2)]
    return np.clip(np.concatenate(parts), -32768, 32767).astype(np.int16)


def code(pcm, rate, complexity):
    """Encodes at `rate` with `complexity`, decodes at 16 kHz; returns (decoded, µs a frame)."""
    err = ctypes.c_int()
    enc = lib.opus_encoder_create(rate, 1, VOIP, ctypes.byref(err))
    dec = lib.opus_decoder_create(16000, 1, ctypes.byref(err))
    for request, value in [(SET_BITRATE, 32000), (SET_INBAND_FEC, 1), (SET_PACKET_LOSS_PERC, 5),
                           (SET_SIGNAL, SIGNAL_VOICE), (SET_MAX_BANDWIDTH, BANDWIDTH[rate]),
                           (SET_COMPLEXITY, complexity)]:
        lib.opus_encoder_ctl(ctypes.c_void_p(enc), request, ctypes.c_int(value))
    n = rate // 50
    packet = ctypes.create_string_buffer(4000)
    out = (ctypes.c_int16 * 320)()
    decoded, spent = [], 0.0
    for start in range(0, len(pcm) - n + 1, n):
        frame = np.ascontiguousarray(pcm[start:start + n])
        pointer = frame.ctypes.data_as(ctypes.POINTER(ctypes.c_int16))
        t = time.perf_counter()
        size = lib.opus_encode(enc, pointer, n, packet, 4000)
        spent += time.perf_counter() - t
        got = lib.opus_decode(dec, packet, size, out, 320, 0)
        decoded.append(np.frombuffer(out, dtype=np.int16)[:got].copy())
    lib.opus_encoder_destroy(ctypes.c_void_p(enc))
    lib.opus_decoder_destroy(ctypes.c_void_p(dec))
    return np.concatenate(decoded), 1e6 * spent / (len(pcm) // n)


def main():
    complexities = [int(c) for c in sys.argv[1:]] or [0, 1, 2, 3, 4, 5, 6, 8, 10]
    reference = speech(16000).astype(np.float64)
    print(f"{'encode rate':>12} {'complexity':>10} {'PESQ-WB':>8} {'encode µs/frame':>16}")
    for rate in (16000, 48000):
        pcm = speech(rate)
        for c in complexities:
            decoded, us = code(pcm, rate, c)
            n = min(len(reference), len(decoded))
            score = pesq(16000, reference[:n], decoded[:n].astype(np.float64), "wb")
            print(f"{rate:>12} {c:>10} {score:>8.3f} {us:>16.1f}")


if __name__ == "__main__":
    main()
