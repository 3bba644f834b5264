#!/usr/bin/env python3
"""Reads an HdrHistogram interval log (text format 1.3, V2 compressed histograms) and prints it
as JSON: the header times and, per interval, its columns and the non-empty slots as
{"index": count}. Written from the format's published description, independently of percore's
C++ encoder, so the tests can check one against the other."""
import base64
import json
import re
import struct
import sys
import zlib

V2_COOKIE = 0x1C849303 | 0x10
V2_COMPRESSED_COOKIE = 0x1C849304 | 0x10


def zigzag_words(payload):
    pos = 0
    while pos < len(payload):
        value = 0
        for i in range(9):
            byte = payload[pos]
            pos += 1
            if i == 8:
                value |= byte << 56
                break
            value |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                break
        yield (value >> 1) ^ -(value & 1)


def decode_histogram(text):
    raw = base64.b64decode(text, validate=True)
    cookie, length = struct.unpack(">iI", raw[:8])
    if cookie != V2_COMPRESSED_COOKIE:
        raise ValueError("compressed cookie %#x" % cookie)
    plain = zlib.decompress(raw[8 : 8 + length])
    cookie, payload_len, offset, digits, lowest, highest, ratio = struct.unpack(
        ">iiiiqqd", plain[:40]
    )
    if cookie != V2_COOKIE:
        raise ValueError("cookie %#x" % cookie)
    counts = {}
    index = 0
    for word in zigzag_words(plain[40 : 40 + payload_len]):
        if word < 0:
            index += -word
        else:
            if word:
                counts[str(index)] = word
            index += 1
    return {
        "digits": digits,
        "lowest": lowest,
        "highest": highest,
        "normalizing_offset": offset,
        "ratio": ratio,
        "counts": counts,
        "total": sum(counts.values()),
    }


def main(path):
    out = {"start_time": None, "base_time": None, "intervals": []}
    with open(path) as f:
        for line in f:
            line = line.strip()
            m = re.match(r"#\[StartTime: ([0-9.]+) ", line)
            if m:
                out["start_time"] = float(m.group(1))
                continue
            m = re.match(r"#\[BaseTime: ([0-9.]+) ", line)
            if m:
                out["base_time"] = float(m.group(1))
                continue
            if not line or line.startswith("#") or line.startswith('"StartTimestamp"'):
                continue
            fields = line.split(",")
            if fields[0].startswith("Tag="):
                fields = fields[1:]
            start, length, interval_max, hist = fields
            interval = decode_histogram(hist)
            interval.update(start=float(start), length=float(length), max=float(interval_max))
            out["intervals"].append(interval)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
