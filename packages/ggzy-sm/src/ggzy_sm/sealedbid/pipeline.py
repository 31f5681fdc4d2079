"""The one background pipeline of sealing and opening: a second thread that hashes (SM3) and writes the
pieces the first thread hands it, in order. Sealing hands it read blocks (hashed for the manifest) and
sealed chunks (hashed for the header and written into the file); opening hands it slices of verified
chunks (hashed for the manifest check and written into the documents). `cryptography`'s SM3 and SM4-GCM
and file writes run outside the GIL, so the hashing and the disk overlap the encryption or decryption.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import BinaryIO

from ggzy_sm.sm3 import Sm3


def absorb(digest: Sm3, piece: memoryview | bytes, into: BinaryIO | None = None) -> None:
    """One piece hashed and, given a file, written to it (a task of the pipeline)."""
    digest.update(piece)
    if into is not None:
        into.write(piece)


class Pipeline:
    """Runs tasks in the order they are submitted, on a second thread named `name`. At most QUEUE tasks
    wait, each holding one piece (a read block, a sealed chunk or a slice of one): memory stays a few
    pieces whatever the size. The first error on the second thread drops every task queued after it and
    is raised on the submitting thread, by the next `submit` or by `drain`. `close` stops the thread
    (always call it: a `finally`)."""

    QUEUE = 8

    def __init__(self, name: str) -> None:
        self._tasks: queue.Queue[Callable[[], object] | None] = queue.Queue(maxsize=self.QUEUE)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            task = self._tasks.get()
            try:
                if task is None:
                    return
                # after an error what is queued is dropped: the submitting thread raises the error
                if self._error is None:
                    task()
            except BaseException as exc:  # noqa: BLE001  (handed over to the submitting thread)
                self._error = exc
            finally:
                self._tasks.task_done()

    def submit(self, task: Callable[[], object]) -> None:
        if self._error is not None:
            raise self._error
        self._tasks.put(task)

    def drain(self) -> None:
        """Wait until everything submitted ran; the second thread's error, if any."""
        self._tasks.join()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        if self._thread.is_alive():
            self._tasks.put(None)
            self._thread.join()
