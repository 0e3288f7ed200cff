#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets into corpus/<target>/ (committed; run again after changing it).

Valid files of every kind each parser reads, and the crafted inputs of the reliability review
(../shared/reviews/2026-11-30-reliability.md: H1, M2, M5, M10, L4, L6, L7, B-16), so that every build replays them.
Standard library only (no numpy), deterministic."""
import gzip
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def npy(descr, shape, payload=b"", fortran="False", major=1, header=None):
    h = header if header is not None else "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    pre = 10 if major == 1 else 12
    h += " " * ((64 - (pre + len(h) + 1) % 64) % 64) + "\n"
    size = struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([major, 0]) + size + h.encode() + payload


floats = struct.pack("<6f", 0.5, -1.0, 2.0, 3.5, 0.0, 1.25)
put("npy", "f4_2x3.npy", npy("<f4", "(2, 3)", floats))
put("npy", "f8_3.npy", npy("<f8", "(3,)", struct.pack("<3d", 1, 2, 3)))
put("npy", "be_f8_2x1.npy", npy(">f8", "(2, 1)", struct.pack(">2d", 1, 2)))
put("npy", "i8_labels.npy", npy("<i8", "(4,)", struct.pack("<4q", 0, 1, 1, 2)))
put("npy", "u1_2x2.npy", npy("|u1", "(2, 2)", bytes([1, 2, 3, 4])))
put("npy", "bool_2.npy", npy("|b1", "(2,)", bytes([0, 1])))
put("npy", "v2_f4.npy", npy("<f4", "(1, 2)", floats[:8], major=2))
put("npy", "v3_f4.npy", npy("<f4", "(1, 2)", floats[:8], major=3))
# H1: element counts that wrap 2^64
put("npy", "ovf_read.npy", npy("<f4", "(3, 6148914691236517206)", bytes(400)))
put("npy", "ovf_write.npy", npy("<f4", "(9223372036854775807,)", bytes(400)))
put("npy", "ovf_4x2p62.npy", npy("<f4", "(4, 4611686018427387904)", bytes(64)))
put("npy", "ovf_neg.npy", npy("<f4", "(-1, 9223372036854775807)", bytes(64)))
# M2: a large declared shape in a small file
put("npy", "big_shape.npy", npy("<f4", "(20000, 20000)", bytes(1600)))
put("npy", "big_groups.npy", npy("<i8", "(2000000000,)", bytes(400)))
# L6/L7: digits beyond int64, lenient shapes, fortran_order Maybe
put("npy", "huge_digits.npy", npy("<f4", "(99999999999999999999999, 2)", bytes(16)))
put("npy", "neg_shape.npy", npy("<f4", "(-50, 8)", bytes(64)))
put("npy", "junk_shape.npy", npy("<f4", "(5a0, 8b)", bytes(64)))
put("npy", "fortran_maybe.npy", npy("<f4", "(2, 3)", floats, fortran="Maybe"))
# L4: float64 beyond float32
put("npy", "beyond_f32.npy", npy("<f8", "(2, 1)", struct.pack("<2d", 1e300, 1)))
put("npy", "nan.npy", npy("<f4", "(2, 1)", struct.pack("<2f", float("nan"), 1)))
put("npy", "truncated_header.npy", npy("<f4", "(2, 3)", floats)[:30])
put("npy", "v2_huge_header_len.npy", b"\x93NUMPY\x02\x00" + struct.pack("<I", 0xFFFFFFFF) + b"{'descr'")
put("npy", "descr_huge_itemsize.npy", npy("<f99999999999", "(2,)", bytes(16)))

put("csv", "plain.csv", "1,2,3\n4,5,6\n")
put("csv", "header.csv", "a,b\n1,2\n3,4\n")
put("csv", "bom.csv", "\ufeff1;2\n3;4\n")
put("csv", "quoted.csv", '"0.5","1"\n"2","3"\n')
put("csv", "crlf_tabs.csv", "1\t2\r\n3\t4\r\n")
put("csv", "labels.txt", "label\n0\n1\n2\n")
put("csv", "ragged.csv", "1,2\n3\n")
put("csv", "nan.csv", "1,nan\n2,3\n")
put("csv", "huge.csv", "1e999,2\n")
put("csv", "empty.csv", "")
put("csv", "nul.csv", "1,2\x00,3\n")


def idx(dims, sizes, payload):
    return bytes([0, 0, 8, dims]) + b"".join(struct.pack(">I", s) for s in sizes) + payload


put("idx", "images.idx3", idx(3, [2, 2, 3], bytes(range(12))))
put("idx", "labels.idx1", idx(1, [3], bytes([0, 1, 2])))
put("idx", "images.idx3.gz", gzip.compress(idx(3, [2, 2, 3], bytes(range(12))), mtime=0))
put("idx", "truncated.idx3", idx(3, [100, 28, 28], bytes(50)))
put("idx", "overflow_dims.idx3", idx(3, [0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], bytes(8)))
put("idx", "type9.idx1", bytes([0, 0, 9, 1]) + struct.pack(">I", 2) + bytes(2))
# M10: a small .gz that inflates far beyond what its header declares
put("idx", "bomb.idx3.gz", gzip.compress(idx(3, [1, 2, 2], bytes(4)) + bytes(8 << 20), mtime=0))
put("idx", "corrupt.gz", gzip.compress(idx(1, [3], bytes(3)), mtime=0)[:-9] + b"garbage!!")

record = bytes([3]) + bytes(3072)
put("cifar", "two_records.bin", record * 2)
put("cifar", "gz_record.bin.gz", gzip.compress(record, mtime=0))
put("cifar", "bad_label.bin", bytes([11]) + bytes(3072))
put("cifar", "partial.bin", record + bytes(100))
put("cifar", "empty.bin", b"")

item = {"input": "in/a.mp4", "relative": "a.mp4", "output": "out/a.summary", "status": "done", "duration": 3.0,
        "keyframes": 2, "seconds": 0.5, "warnings": ["1 corrupt packet(s) or frame(s) skipped"]}
put("report", "report.json", json.dumps({"shard": None, "output_dir": "out", "videos": 1, "failed": 0, "seconds": 1,
                                          "items": [item, dict(item, relative="b.mp4", status="failed", error="x", exit_code=3)]}))
put("report", "wrong_types.json", json.dumps({"items": [{"relative": 5, "status": [], "duration": "long"}]}))
put("report", "array.json", "[1, 2, 3]")
put("report", "items_number.json", '{"items": 5}')
put("report", "not_json.json", '{"items": [')
put("report", "nulls.json", '{"items": [{"relative": "a", "keyframes": null, "warnings": [1]}]}')
