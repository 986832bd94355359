#!/usr/bin/env python3
"""Writes the pipe fuzzer's seed corpus into fuzz/corpus/ (or the directory given).

Each seed is an operation sequence in the input format documented in fuzz/pipe_fuzz_driver.hpp;
the encoders below mirror that format. Seeds cover: mixed-size fills (merging, slot use, partial
non-blocking writes), packet mode and its toggling, resizing with data inside (EBUSY, rounding,
EPERM, EINVAL, privileged growth), EOF and EPIPE, dup/reopen/close, flags, wrong-end calls,
readv/writev layouts, vmsplice on both ends, splice both ways and tee between the main pipe and
the aux pipe (whole buffers, parts, merges after them, full outputs, EPIPE, EOF), every policy,
and allocation failures.
"""
import os
import sys

POLICIES = {"legacy": 0, "prealloc": 1, "unified": 2, "shrinker": 3}


def u16(n):
    return [n & 0xFF, (n >> 8) & 0xFF]


def size(n):
    """SIZE: the shortest encoding of n bytes."""
    if n < 32:
        return [n << 3]
    if n <= 256:
        return [1, n - 1]
    if 3968 <= n <= 4223:
        return [2, n - 3968]
    if n % 4096 == 0 and 1 <= n // 4096 <= 24:
        return [3, n // 4096 - 1]
    if n < 65536:
        return [4] + u16(n)
    if n == 65536:
        return [6]
    assert n % 4 == 0 and n // 4 < 65536, n
    return [7] + u16(n // 4)


def rsize(kind, arg=0):
    """RSIZE: kind is one of the encodings of pipe_fuzz_driver.hpp."""
    return {
        "zero": [0],
        "x32": [1, arg],
        "pow": [2, arg],
        "pow-1": [3, arg],
        "pow+1": [4, arg],
        "2^31": [5, 0],
        "2^31+1": [5, 1],
        "x16": [6] + u16(arg),
        "2^40": [7],
    }[kind]


def write(h, n):
    return [0, h] + size(n)


def writev(h, segs):
    out = [2, h, len(segs) - 1]
    for s in segs:
        out += size(s)
    return out


def read(h, n):
    return [3, h] + size(n)


def vmsplice(h, segs, align=0):
    """vmsplice into a write end; the segments start 16 * align bytes after a page boundary."""
    out = [14, h, len(segs) - 1]
    for s in segs:
        out += size(s)
    return out + [align]


def vmsplice_read(h, n):
    return [4, h] + size(n)


def readv(h, segs):
    out = [5, h, len(segs) - 1]
    for s in segs:
        out += size(s)
    return out


def resize(h, kind, arg=0):
    return [6, h] + rsize(kind, arg)


def close(h):
    return [7, h]


def dup(h):
    return [8, h]


def nonblock(h):
    return [9, h]


def packet(h):
    return [10, h]


def reopen(writer, nb, direct):
    return [11, (1 if writer else 0) | (2 if nb else 0) | (4 if direct else 0)]


def privileged_resize(k):
    return [12, k]


def wrong_end(h):
    return [13, h]


def read_all(h):
    return [15, h]


def splice_to_aux(h, n):
    return [16, h] + size(n)


def splice_to_main(h, n):
    return [17, h] + size(n)


def tee(h, n):
    return [18, h] + size(n)


def read_aux(n):
    return [19] + size(n)


def seed(policy, fail_every=0, packet_mode=False, ops=()):
    alloc = 0x80 | (fail_every - 1) if fail_every else 0
    out = [POLICIES[policy], alloc, 1 if packet_mode else 0]
    for op in ops:
        out += op
    return bytes(out)


# Handles: index 0 is the first reader and the writer is handle 1 of "all handles"; read and
# write ops index their own side (0 = the first of that side).
def fill_mixed():
    ops = []
    for n in (1, 10, 100, 4000, 96, 4096, 5000, 3968, 8192, 77, 4223, 65536):
        ops.append(write(0, n))
    ops += [read(0, 1), read(0, 4095), read_all(0), write(0, 65536 + 4096 * 4),
            read(0, 65536), read_all(0)]
    return ops


def packet_ops():
    return [write(0, 100), write(0, 5000), write(0, 4096), read(0, 10), read(0, 4096),
            read(0, 4096), packet(1), write(0, 10), write(0, 20), packet(1), write(0, 30),
            read_all(0), read(0, 65536)]


def resize_ops():
    return [write(0, 3 * 4096), resize(0, "pow", 0), resize(1, "pow", 1), resize(1, "pow", 2),
            resize(0, "pow-1", 3), resize(0, "pow+1", 4), resize(1, "pow", 8),
            resize(1, "pow", 9), resize(0, "2^31"), resize(0, "2^31+1"), resize(0, "2^40"),
            resize(0, "zero"), resize(1, "x32", 200), resize(0, "x16", 4097),
            read_all(0), resize(0, "zero"), write(0, 65536), privileged_resize(10),
            write(0, 200000), privileged_resize(0x80 | 2), read_all(0), resize(1, "pow", 0)]


def eof_epipe_ops():
    return [write(0, 1000), close(1), read(0, 10), read_all(0), read(0, 5), reopen(True, True,
            False), write(0, 50), close(0), write(0, 10), write(0, 0), reopen(False, True, False),
            write(0, 4096), read_all(0)]


def dup_flags_ops():
    return [dup(0), dup(1), dup(1), nonblock(0), write(0, 10), read(0, 5), read(1, 5),
            nonblock(0), read(0, 5), nonblock(1), write(1, 65536), write(1, 65536), nonblock(1),
            write(2, 65536), wrong_end(0), wrong_end(1), packet(0), close(1), close(1),
            write(0, 7), read_all(0), close(0), read(0, 1)]


def iov_ops():
    return [writev(0, [0, 1, 0, 4095, 4097]), writev(0, [3, 3, 3]), readv(0, [1, 0, 2, 4096]),
            readv(0, [0, 0]), writev(0, [65536, 100]), readv(0, [7, 65536, 9]),
            writev(0, [0]), readv(0, [100000])]


def vmsplice_ops():
    return [write(0, 100), vmsplice(0, [100]), write(0, 10), read(0, 150), read_all(0),
            vmsplice(0, [8192], 6), vmsplice(0, [1, 0, 4096, 7], 255), vmsplice_read(0, 5000),
            vmsplice_read(0, 1), read_all(0), vmsplice(0, [262140], 1), vmsplice(0, [1]),
            vmsplice_read(0, 100000), resize(0, "pow", 2), write(0, 70000),
            vmsplice(0, [4096]), read_all(0), vmsplice(0, [20000]), close(1), read_all(0),
            vmsplice_read(0, 10)]


def big_ops():
    return [privileged_resize(8), write(0, 262140), write(0, 200000), read_all(0),
            writev(0, [65536, 65536, 65536, 65536]), read(0, 3), read_all(0)]


def splice_ops():
    return [write(0, 100), write(0, 5000), write(0, 4096), splice_to_aux(0, 50),
            splice_to_aux(0, 50), read_aux(30), write(0, 10), splice_to_main(0, 20),
            write(0, 10), splice_to_main(0, 65536), write(0, 10), read_all(0), write(0, 100),
            splice_to_aux(0, 100), splice_to_main(0, 100), write(0, 10), read(0, 200),
            write(0, 65536), splice_to_aux(0, 65536), write(0, 4096), splice_to_aux(0, 1),
            read_aux(4096), splice_to_aux(0, 4096), splice_to_main(0, 4096), read_aux(65536),
            read_all(0), splice_to_aux(0, 10), splice_to_main(0, 10), read_aux(1), write(0, 7),
            splice_to_aux(0, 65536), close(0), splice_to_main(0, 65536), close(0),
            read_aux(65536), read_aux(1)]


def tee_ops():
    return [write(0, 100), write(0, 5000), tee(0, 50), tee(0, 65536), write(0, 10),
            read_aux(10), read_aux(65536), read(0, 60), splice_to_aux(0, 30), read_aux(100),
            tee(0, 100000), read_all(0), tee(0, 10), write(0, 65536), tee(0, 65536),
            tee(0, 1), splice_to_aux(0, 1), read_aux(65536), close(1), tee(0, 1),
            splice_to_aux(0, 1), read_all(0), splice_to_aux(0, 1), tee(0, 1)]


def splice_vmsplice_ops():
    return [vmsplice(0, [8192], 6), splice_to_aux(0, 100), tee(0, 5000), read_all(0),
            read_aux(50), vmsplice(0, [4096]), splice_to_aux(0, 65536), splice_to_main(0, 2000),
            read_aux(65536), read(0, 10), vmsplice(0, [100]), write(0, 10), tee(0, 200),
            read_all(0), read_aux(65536)]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                                 "corpus")
    os.makedirs(out_dir, exist_ok=True)
    seeds = {
        "fill_mixed_legacy": seed("legacy", ops=fill_mixed()),
        "fill_mixed_prealloc": seed("prealloc", ops=fill_mixed()),
        "fill_mixed_unified": seed("unified", ops=fill_mixed()),
        "fill_mixed_shrinker": seed("shrinker", ops=fill_mixed()),
        "packet_unified": seed("unified", packet_mode=True, ops=packet_ops()),
        "packet_legacy": seed("legacy", packet_mode=True, ops=packet_ops()),
        "resize_prealloc": seed("prealloc", ops=resize_ops()),
        "eof_epipe_legacy": seed("legacy", ops=eof_epipe_ops()),
        "dup_flags_unified": seed("unified", ops=dup_flags_ops()),
        "iov_prealloc": seed("prealloc", ops=iov_ops()),
        "big_unified": seed("unified", ops=big_ops()),
        "vmsplice_unified": seed("unified", ops=vmsplice_ops()),
        "vmsplice_packet_legacy": seed("legacy", packet_mode=True, ops=vmsplice_ops()),
        "fail3_fill_legacy": seed("legacy", fail_every=3, ops=fill_mixed()),
        "fail2_big_prealloc": seed("prealloc", fail_every=2, ops=big_ops()),
        "fail5_big_unified": seed("unified", fail_every=5, ops=big_ops() + fill_mixed()),
        "fail1_packet_unified": seed("unified", fail_every=1, packet_mode=True, ops=packet_ops()),
        "splice_unified": seed("unified", ops=splice_ops()),
        "splice_packet_legacy": seed("legacy", packet_mode=True, ops=splice_ops()),
        "tee_prealloc": seed("prealloc", ops=tee_ops()),
        "tee_packet_shrinker": seed("shrinker", packet_mode=True, ops=tee_ops()),
        "splice_vmsplice_unified": seed("unified", ops=splice_vmsplice_ops()),
        "fail3_splice_legacy": seed("legacy", fail_every=3, ops=splice_ops() + tee_ops()),
        "fail16_resize_legacy": seed("legacy", fail_every=16, ops=resize_ops() + big_ops()),
    }
    for name, data in seeds.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds)} seeds to {out_dir}")


if __name__ == "__main__":
    main()
