#!/usr/bin/env python3
"""Compares two Seesaw traces dataset by dataset and attribute by attribute, for a refactoring that
must not change what a run records: the same run (same config, seed and --threads 1) traced
before and after the change must be equal everywhere except where the clock or the build speaks.

Usage: python3 bench/compare_traces.py BEFORE.h5 AFTER.h5

Prints one line per difference and a closing line
  TRACES equal=<0|1> datasets=<n> attributes=<n> differences=<n> skipped=<names>
and exits 1 when anything differs. Floats compare bit for bit (NaN equal to NaN in the same place).
"""

import sys

import h5py
import numpy as np

# Written from the clock or the build, not from the run: they differ between any two runs.
CLOCK_ATTRIBUTES = {"start_time", "software_version", "description_digest"}
CLOCK_DATASETS = {"steps/wall_time", "status/heartbeat"}


def layout(f):
    names = []
    f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
    return set(names)


def equal_values(a, b):
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True)
    return np.array_equal(a, b)


def compare(before, after):
    differences = []
    attributes = set(before.attrs) | set(after.attrs)
    for name in sorted(attributes - CLOCK_ATTRIBUTES):
        if name not in before.attrs or name not in after.attrs:
            differences.append(f"attribute {name}: only in {'before' if name in before.attrs else 'after'}")
        elif not equal_values(np.asarray(before.attrs[name]), np.asarray(after.attrs[name])):
            differences.append(f"attribute {name}: {before.attrs[name]!r} != {after.attrs[name]!r}")
    datasets = layout(before) | layout(after)
    for name in sorted(datasets - CLOCK_DATASETS):
        if name not in before or name not in after:
            differences.append(f"dataset /{name}: only in {'before' if name in before else 'after'}")
            continue
        a, b = before[name][()], after[name][()]
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype != b.dtype or a.shape != b.shape:
            differences.append(f"dataset /{name}: {a.dtype}{a.shape} != {b.dtype}{b.shape}")
        elif not equal_values(a, b):
            where = np.argwhere(~((a == b) | ((a != a) & (b != b))) if a.dtype.kind == "f" else a != b)
            differences.append(f"dataset /{name}: {len(where)} values differ, first at {tuple(where[0]) if len(where) else ()}")
    return differences, len(datasets), len(attributes)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with h5py.File(sys.argv[1], "r") as before, h5py.File(sys.argv[2], "r") as after:
        differences, datasets, attributes = compare(before, after)
    for line in differences:
        print(line)
    skipped = ",".join(sorted(CLOCK_ATTRIBUTES) + ["/" + d for d in sorted(CLOCK_DATASETS)])
    print(f"TRACES equal={int(not differences)} datasets={datasets} attributes={attributes} "
          f"differences={len(differences)} skipped={skipped}")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
