"""The layout of a Seesaw trace written with h5py: the same paths, types, shapes, chunks and
filters as core/trace/trace_file.cpp, which docs/trace-format.md describes (format version 3)."""
import h5py
import numpy as np

FORMAT_NAME = "seesaw-trace"
FORMAT_VERSION = 3
STATUS_MESSAGE_BYTES = 1024
CHANGE_TEXT_BYTES = 256

STEP_CHUNK, EVAL_CHUNK, SNAPSHOT_CHUNK, ENTITY_CHUNK = 512, 64, 64, 16384

RUNNING, FINISHED, STOPPED, FAILED, ABORTED = 0, 1, 2, 3, 4
STATE_NAMES = {"running": RUNNING, "finished": FINISHED, "stopped": STOPPED, "failed": FAILED, "aborted": ABORTED}

# /steps/flags bits (core/records/step_records.h)
FLAG_NON_FINITE, FLAG_SKIPPED, FLAG_ZERO_GRADIENT = 1, 2, 4

STATUS_COUNTS = ("steps", "valid_evals", "test_evals", "snapshots", "changes")
ENTITY_NAMES = {"id", "group", "level", "snapshot_step", "window_start", "cosine", "grad_norm",
                "magnitude_ratio", "weight", "count"}


def _series(f, path, dtype, inner, chunk_rows, inner_chunk=None):
    """A growing dataset [0, inner...]: shuffled, deflated, Fletcher-32 checksummed chunks of whole rows.
    An inner dimension of size 0 has an unlimited maximum and a chunk extent of 1."""
    inner = tuple(int(n) for n in inner)
    chunk = [chunk_rows] + [max(1, min(n, c)) for n, c in zip(inner, inner_chunk or inner)]
    maxshape = (None,) + tuple(None if n == 0 else n for n in inner)
    return f.create_dataset(path, shape=(0,) + inner, maxshape=maxshape, dtype=dtype, chunks=tuple(chunk),
                            shuffle=True, compression="gzip", compression_opts=1, fletcher32=True)


def _fixed_strings(values):
    """The UTF-8 bytes of values, NUL-padded to the longest (at least one byte), and their h5py type:
    fixed-length strings, which HDF5 can checksum where it cannot variable-length ones."""
    encoded = [v.encode("utf-8") for v in values]
    width = max([1] + [len(v) for v in encoded])
    return np.array(encoded, dtype=f"S{width}"), h5py.string_dtype("utf-8", width)


def _strings(f, path, values):
    """Fixed-length strings in deflated, Fletcher-32 checksummed chunks."""
    encoded, dtype = _fixed_strings(values)
    width = encoded.dtype.itemsize
    if not len(encoded):
        return f.create_dataset(path, shape=(0,), dtype=dtype)
    chunk = min(len(encoded), max(1, (1 << 20) // width))
    dataset = f.create_dataset(path, shape=(len(encoded),), dtype=dtype, chunks=(chunk,), compression="gzip",
                               compression_opts=1, fletcher32=True)
    # the bytes are UTF-8 already: written with the file's own type, nothing is converted
    dataset.id.write(h5py.h5s.ALL, h5py.h5s.ALL, encoded, mtype=dataset.id.get_type())
    return dataset


def _texts_attribute(f, name, values, scalar=False):
    """Fixed-length strings (format version 3): HDF5 keeps variable-length ones in its global heap,
    unchecked. An attribute over 4 KB is unchecked too; the description digest covers it."""
    encoded, dtype = _fixed_strings(values)
    f.attrs.create(name, encoded[0] if scalar else encoded, dtype=dtype)


def _text_attribute(f, name, value):
    _texts_attribute(f, name, [value], scalar=True)


DESCRIPTION_ATTRIBUTES = ("format", "software_version", "start_time", "branch_parent", "branch_checkpoint", "device",
                          "method", "config", "task_names", "task_types")


def _description_digest(f):
    """FNV-1a (64 bits) over the description's string attributes as docs/trace-format.md defines it:
    HDF5 does not checksum an attribute over 4 KB, so readers recompute this."""
    digest = 0xcbf29ce484222325
    for name in DESCRIPTION_ATTRIBUTES:
        if name not in f.attrs:
            continue
        values = f.attrs[name]
        for text in [name.encode()] + [bytes(v) for v in np.atleast_1d(values)]:
            for byte in text + b"\0":
                digest = ((digest ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return np.int64(digest - (1 << 64) if digest >= 1 << 63 else digest)


class TraceFile:
    """Creates a trace with its description and empty series, then starts SWMR writing."""

    def __init__(self, path, info):
        self.path = path
        k = len(info["task_names"])
        pairs = k * (k - 1) // 2
        modules, levels, users = info["module_names"], info["levels"], info["user_ids"]
        self.levels = list(levels)
        for level in levels:
            if not level or "/" in level or level in ENTITY_NAMES or levels.count(level) > 1:
                raise ValueError(f"levels: '{level}' cannot name a geometry level")
        self.file = h5py.File(path, "w", libver="latest")
        f = self.file
        _text_attribute(f, "format", FORMAT_NAME)
        f.attrs["format_version"] = np.int64(FORMAT_VERSION)
        for name in ("software_version", "start_time", "device", "method", "config"):
            _text_attribute(f, name, info[name])
        _texts_attribute(f, "task_names", info["task_names"])
        _texts_attribute(f, "task_types", info["task_types"])
        for name in ("data_rows", "data_users", "data_items", "train_rows", "valid_rows", "test_rows", "total_steps",
                     "steps_per_epoch", "batch_size", "shared_parameters", "total_parameters", "analyze",
                     "user_snapshot_every", "world_size"):
            f.attrs[name] = np.int64(info[name])
        f.attrs["data_label_means"] = np.asarray(info["data_label_means"], dtype=np.float64)
        f.attrs["description_digest"] = _description_digest(f)
        _text_attribute(f, "recorder", info["recorder"])
        _text_attribute(f, "backend", info["backend"])
        for group in ("/steps", "/eval", "/eval/valid", "/eval/test", "/users", "/modules", "/method", "/status",
                      "/changes"):
            f.create_group(group)
        for level in levels:
            f.create_group(f"/users/{level}")
        _strings(f, "/modules/name", modules)
        _strings(f, "/users/id", users)
        _strings(f, "/method/state_name", [])
        _strings(f, "/users/level", levels)
        groups = np.asarray(info["user_groups"], dtype="<i4")
        # chunked for a Fletcher-32 checksum, which contiguous data lacks
        f.create_dataset("/users/group", data=groups, **({"chunks": (min(len(groups), ENTITY_CHUNK),), "fletcher32": True}
                                                        if len(groups) else {}))

        s = self.steps = {}
        for name, dtype, inner in (("step", "<i8", ()), ("epoch", "<f8", ()), ("wall_time", "<f8", ()), ("lr", "<f8", ()),
                                   ("flags", "<u4", ()), ("loss", "<f4", (k,)), ("grad_norm", "<f4", (k,)),
                                   ("cosine", "<f4", (k, k)), ("magnitude_ratio", "<f4", (k,)), ("weight", "<f4", (k,)),
                                   ("module_cosine", "<f4", (len(modules), pairs)), ("method_state", "<f4", (0,))):
            s[name] = _series(f, f"/steps/{name}", dtype, inner, STEP_CHUNK)
        self.evals = {}
        for split in ("valid", "test"):
            e = self.evals[split] = {"step": _series(f, f"/eval/{split}/step", "<i8", (), EVAL_CHUNK)}
            for name in ("auc", "gauc", "logloss", "mse"):
                e[name] = _series(f, f"/eval/{split}/{name}", "<f8", (k,), EVAL_CHUNK)
        n = len(users)
        u = self.users = {"snapshot_step": _series(f, "/users/snapshot_step", "<i8", (), SNAPSHOT_CHUNK),
                          "window_start": _series(f, "/users/window_start", "<i8", (), SNAPSHOT_CHUNK),
                          "weight": _series(f, "/users/weight", "<f4", (n, k), 1, (ENTITY_CHUNK, k)),
                          "count": _series(f, "/users/count", "<i4", (n,), 1, (ENTITY_CHUNK,))}
        self.user_levels = []
        for level in levels:
            self.user_levels.append({
                "cosine": _series(f, f"/users/{level}/cosine", "<f4", (n, pairs), 1, (ENTITY_CHUNK, pairs)),
                "grad_norm": _series(f, f"/users/{level}/grad_norm", "<f4", (n, k), 1, (ENTITY_CHUNK, k)),
                "magnitude_ratio": _series(f, f"/users/{level}/magnitude_ratio", "<f4", (n, k), 1, (ENTITY_CHUNK, k))})
        if levels:
            for name in ("cosine", "grad_norm", "magnitude_ratio"):
                f[f"/users/{name}"] = h5py.SoftLink(f"/users/{levels[0]}/{name}")
        text = h5py.string_dtype("utf-8", CHANGE_TEXT_BYTES)
        _series(f, "/changes/step", "<i8", (), EVAL_CHUNK)
        for name in ("field", "old_value", "new_value", "refused"):
            _series(f, f"/changes/{name}", text, (), EVAL_CHUNK)
        self.status = {"state": f.create_dataset("/status/state", shape=(), dtype="<i4"),
                       "message": f.create_dataset("/status/message", shape=(),
                                                   dtype=h5py.string_dtype("utf-8", STATUS_MESSAGE_BYTES)),
                       "heartbeat": f.create_dataset("/status/heartbeat", shape=(), dtype="<f8")}
        for name in STATUS_COUNTS:
            self.status[name] = f.create_dataset(f"/status/{name}", shape=(), dtype="<i8")
        self.counts = dict.fromkeys(STATUS_COUNTS, 0)
        self.state, self.message = RUNNING, ""
        self.write_status(0.0, RUNNING, "")
        f.swmr_mode = True

    @staticmethod
    def _append(dataset, rows):
        rows = np.asarray(rows)
        n = dataset.shape[0]
        dataset.resize(n + rows.shape[0], axis=0)
        dataset[n:] = rows

    def append_steps(self, records):
        for name, dataset in self.steps.items():
            self._append(dataset, np.stack([r[name] for r in records]))
        self.counts["steps"] += len(records)

    def append_eval(self, record):
        split = record["split"]
        for name, dataset in self.evals[split].items():
            self._append(dataset, np.asarray(record[name])[None])
        self.counts[f"{split}_evals"] += 1

    def append_snapshot(self, snapshot):
        for name, dataset in self.users.items():
            self._append(dataset, np.asarray(snapshot[name])[None])
        for level, series in zip(snapshot["levels"], self.user_levels):
            for name, dataset in series.items():
                self._append(dataset, np.asarray(level[name])[None])
        self.counts["snapshots"] += 1

    def write_status(self, heartbeat, state, message):
        """The commit's counts and heartbeat; the state and message only with the run's end (after the
        counts, so that a reader that sees the end state has the last counts)."""
        s = self.status
        s["heartbeat"][()] = heartbeat
        for name in STATUS_COUNTS:
            s[name][()] = self.counts[name]
        self.file.flush()
        if state != self.state or message != self.message:
            encoded = message.encode("utf-8")[:STATUS_MESSAGE_BYTES - 1]
            s["message"][()] = encoded.decode("utf-8", "ignore").encode("utf-8")
            s["state"][()] = state
            self.file.flush()
            self.state, self.message = state, message

    def close(self):
        self.file.close()
