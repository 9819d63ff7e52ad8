#!/usr/bin/env python3
"""Builds a national-scale dataset by replicating a generated one (gen.py needs ~32 GB to make 27 M directly).

    python3 bench/replicate.py --src DIR --copies 6 --households 27000000 --out DIR

Copy k shifts every household_id by k * 20,000,000 (ids stay unique and ascending); the last copy is cut
to reach --households. Members follow their households. Streams row groups: little memory is needed.
"""
import argparse
import os

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--copies", type=int, required=True)
    ap.add_argument("--households", type=int, required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    hh = pq.read_table(os.path.join(a.src, "households.parquet"))
    mem = pq.read_table(os.path.join(a.src, "members.parquet"))
    hw = pq.ParquetWriter(os.path.join(a.out, "households.parquet"), hh.schema, compression="snappy")
    mw = pq.ParquetWriter(os.path.join(a.out, "members.parquet"), mem.schema, compression="snappy")
    left = a.households
    for k in range(a.copies):
        if left <= 0:
            break
        h = hh.slice(0, min(left, hh.num_rows))
        last_id = h.column("household_id")[h.num_rows - 1].as_py()
        m = mem.filter(pc.less_equal(mem.column("household_id"), last_id))
        shift = pa.scalar(k * 20_000_000, pa.int64())
        h = h.set_column(0, "household_id", pc.add(h.column("household_id"), shift))
        m = m.set_column(0, "household_id", pc.add(m.column("household_id"), shift))
        hw.write_table(h, row_group_size=1 << 20)
        mw.write_table(m, row_group_size=1 << 20)
        left -= h.num_rows
    hw.close()
    mw.close()


if __name__ == "__main__":
    main()
