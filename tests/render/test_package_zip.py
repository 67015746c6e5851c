"""The package zip is byte for byte what zipfile writes for the same members."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.render import base, package_zip


def _zipfile_archive(members: list[tuple[str, bytes]]) -> bytes:
    """How the package was zipped before: zipfile, fixed date, MS-DOS, level 6."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


NAMES = st.sampled_from(
    ["[Content_Types].xml", "word/document.xml", "customXml/item1.xml", "wörd/ünïcode.xml", "a"]
)
CONTENTS = st.one_of(
    st.binary(max_size=3000),
    st.text(max_size=3000).map(str.encode),
    st.just(b"<w:p/>" * 20_000),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(NAMES, CONTENTS), min_size=1, max_size=6, unique_by=lambda m: m[0]))
def test_archives_are_zipfiles_bytes(members: list[tuple[str, bytes]]) -> None:
    written = package_zip.write(package_zip.compress(name, data) for name, data in members)
    assert written == _zipfile_archive(members)
    with zipfile.ZipFile(io.BytesIO(written)) as archive:
        assert archive.testzip() is None
        assert [(info.filename, archive.read(info)) for info in archive.infolist()] == members


def test_a_member_compressed_once_can_go_into_many_archives() -> None:
    member = package_zip.compress("word/styles.xml", b"<w:styles/>" * 100)
    first = package_zip.write([member, package_zip.compress("b", b"one")])
    second = package_zip.write([member, package_zip.compress("b", b"two")])
    assert first == _zipfile_archive([("word/styles.xml", b"<w:styles/>" * 100), ("b", b"one")])
    assert second == _zipfile_archive([("word/styles.xml", b"<w:styles/>" * 100), ("b", b"two")])


def test_the_base_package_keeps_every_static_part_compressed() -> None:
    package = base.base_package()
    static = {name for name, data in package.parts.items() if data is not None}
    assert set(package.compressed) == static
    for name in static:
        data = package.parts[name]
        assert data is not None
        assert package.compressed[name] == package_zip.compress(name, data)


def test_an_empty_archive_is_zipfiles_too() -> None:
    assert package_zip.write([]) == _zipfile_archive([])


def test_a_member_too_large_for_a_docx_is_refused() -> None:
    class Huge(bytes):
        def __len__(self) -> int:
            return 1 << 31

    with pytest.raises(ValueError, match="too large"):
        package_zip.compress("word/document.xml", Huge())
