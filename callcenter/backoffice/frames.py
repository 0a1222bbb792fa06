"""What a back-office child says to its parent on its standard output: framed pieces.

A frame is one kind byte and a 4-byte length, then that many bytes: ``D`` a piece of the job's
output (a file's bytes), ``E`` the domain error that ended the job (pickled). The standard output
carries nothing else: the child points ``sys.stdout`` at standard error, so a stray print can
never corrupt a file.
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from typing import BinaryIO

from callcenter.errors import DomainError

HEADER = struct.Struct("!cI")
DATA, ERROR = b"D", b"E"


class Output:
    """The child's side: pieces written as they are made (the pipe paces the job)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def write(self, data: bytes) -> None:
        if data:
            self._frame(DATA, data)

    def error(self, exc: DomainError) -> None:
        self._frame(ERROR, pickle.dumps(exc))

    def _frame(self, kind: bytes, payload: bytes) -> None:
        self._stream.write(HEADER.pack(kind, len(payload)))
        self._stream.write(payload)
        self._stream.flush()


async def read_frame(stream: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """The parent's side: the next frame, or None at the end of the output."""
    try:
        header = await stream.readexactly(HEADER.size)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return None
    kind, length = HEADER.unpack(header)
    return kind, await stream.readexactly(length)
