"""The trace writer thread: the training loop queues records and goes on; this thread appends them
and commits (the protocol of docs/trace-format.md, "Commit protocol") at least once a second, at
every snapshot, every 1000 step records, and at the end. A killed process leaves the rows of its
last commit, which every reader sees as a valid trace."""
import queue
import threading
import time

from .trace_file import FAILED, RUNNING, TraceFile


class TraceWriter:
    def __init__(self, path, info, flush_seconds=1.0, flush_records=1000):
        self.path = path
        self.file = TraceFile(path, info)
        self.flush_seconds = flush_seconds
        self.flush_records = flush_records
        self.error = None
        self._queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="seesaw-trace-writer", daemon=True)
        self._thread.start()

    def put(self, kind, record):
        """kind: "step", "eval" or "snapshot"."""
        self._queue.put((kind, record))

    def finish(self, state, message=""):
        """Commits what is queued with the run's end state, closes the file and waits for the thread."""
        self._queue.put(("end", (state, message)))
        self._thread.join()

    def _run(self):
        steps, others, end = [], [], None
        last = time.monotonic()
        while end is None:
            timeout = max(0.0, last + self.flush_seconds - time.monotonic())
            try:
                kind, record = self._queue.get(timeout=timeout)
                if kind == "step":
                    steps.append(record)
                elif kind == "end":
                    end = record
                else:
                    others.append((kind, record))
                # The clock too: a writer behind the loop finds the queue never empty, and get() never times out.
                due = (end is not None or len(steps) >= self.flush_records or kind == "snapshot"
                       or time.monotonic() - last >= self.flush_seconds)
            except queue.Empty:
                due = True
            if not due:
                continue
            if self.error is None:
                try:
                    self._commit(steps, others, end)
                except Exception as e:  # a full disk, a vanished file system: stop writing, keep the last commit
                    self.error = e
                    self._mark_failed(f"writing the trace failed: {e}")
            steps, others = [], []
            last = time.monotonic()
        try:
            self.file.close()
        except Exception as e:
            self.error = self.error or e

    def _commit(self, steps, others, end):
        f = self.file
        if steps:
            f.append_steps(steps)
        for kind, record in others:
            (f.append_eval if kind == "eval" else f.append_snapshot)(record)
        f.file.flush()
        state, message = end if end is not None else (RUNNING, "")
        f.write_status(time.time(), state, message)

    def _mark_failed(self, message):
        try:
            self.file.write_status(time.time(), FAILED, message)
        except Exception:
            pass  # the file refuses even that: it stays "running" with its last counts
