"""The deterministic zip of a package, with parts that never change compressed once.

The archive is byte for byte what :class:`zipfile.ZipFile` writes into a seekable
file for ``writestr`` members with a fixed date (1980-01-01, as Word writes), MS-DOS
as the creating system, deflate at level 6 and no data descriptors; only the
compression of each member is separate from the writing, so the static parts of
every .docx (styles, numbering, settings ...) are deflated once per process
(:func:`compress`) and copied into each archive. ``tests/render/test_package_zip.py``
holds the bytes to zipfile's.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

COMPRESSION_LEVEL = 6
_VERSION = 20  # "2.0": deflate; what zipfile writes for these members
_DEFLATED = 8
_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00:00
_FILE_ATTRIBUTES = 0o600 << 16  # zipfile's default for members written from bytes
_UTF8_NAME = 0x800
_LIMIT = (1 << 31) - 1  # zipfile switches to zip64 records above this

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_CENTRAL_HEADER = struct.Struct("<4s4B4HL2L5H2L")
_END_RECORD = struct.Struct("<4s4H2LH")


@dataclass(frozen=True, slots=True)
class Member:
    """One compressed member, ready to be written into any archive."""

    name: bytes
    flags: int
    crc: int
    size: int
    data: bytes  # raw deflate stream


def compress(name: str, content: bytes) -> Member:
    """Deflate ``content`` (level 6, raw stream) as member ``name``.

    Raises:
        ValueError: the member is too large for a zip without zip64 records.
    """
    if len(content) * 1.05 > _LIMIT:  # zipfile's own test for a zip64 member
        raise ValueError(f"{name} is too large for a .docx member")
    try:
        encoded, flags = name.encode("ascii"), 0
    except UnicodeEncodeError:
        encoded, flags = name.encode("utf-8"), _UTF8_NAME
    compressor = zlib.compressobj(COMPRESSION_LEVEL, zlib.DEFLATED, -15)
    data = compressor.compress(content) + compressor.flush()
    return Member(encoded, flags, zlib.crc32(content), len(content), data)


def write(members: Iterable[Member]) -> bytes:
    """The archive of ``members``, in the order given.

    Raises:
        ValueError: the archive would need zip64 records.
    """
    pieces: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for member in members:
        pieces.append(
            _LOCAL_HEADER.pack(
                b"PK\x03\x04",
                _VERSION,
                0,
                member.flags,
                _DEFLATED,
                _DOS_TIME,
                _DOS_DATE,
                member.crc,
                len(member.data),
                member.size,
                len(member.name),
                0,
            )  # fmt: skip
        )
        pieces.append(member.name)
        pieces.append(member.data)
        directory.append(
            _CENTRAL_HEADER.pack(
                b"PK\x01\x02",
                _VERSION,
                0,
                _VERSION,
                0,
                member.flags,
                _DEFLATED,
                _DOS_TIME,
                _DOS_DATE,
                member.crc,
                len(member.data),
                member.size,
                len(member.name),
                0,
                0,
                0,
                0,
                _FILE_ATTRIBUTES,
                offset,
            )  # fmt: skip
            + member.name
        )
        offset += _LOCAL_HEADER.size + len(member.name) + len(member.data)
        if offset > _LIMIT:
            raise ValueError("the package is too large for a zip without zip64 records")
    central = b"".join(directory)
    end = _END_RECORD.pack(b"PK\x05\x06", 0, 0, len(directory), len(directory), len(central),
                           offset, 0)  # fmt: skip
    return b"".join(pieces) + central + end
