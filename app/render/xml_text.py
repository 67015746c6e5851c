"""XML written as text, byte for byte as lxml serialises the same tree.

The document part is the one part whose size grows with the agreement; building it
as an lxml tree cost about two microseconds per element (5,500 elements for the
SPEC example) before serialising it. The writer instead joins text fragments made
here. Everything that is not a fixed tag goes through :func:`text` or
:func:`attribute`, which escape exactly as libxml2 does for UTF-8 output, and
:func:`check` refuses what lxml refuses, so the bytes are the same as before and a
character XML cannot carry is still an error. ``tests/render/test_xml_text.py``
compares both against lxml.
"""

from __future__ import annotations

import re

# XML 1.0 Char excludes these; lxml raises ValueError on them (lone surrogates fail
# when the text is encoded as UTF-8, also a ValueError).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TEXT_SPECIAL = re.compile("[&<>\r]")
_ATTRIBUTE_SPECIAL = re.compile('[&<>"\r\n\t]')
_TEXT_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_ATTRIBUTE_ESCAPES = {**_TEXT_ESCAPES, '"': "&quot;", "\n": "&#10;", "\t": "&#9;"}

DECLARATION = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
"""The declaration lxml writes with ``xml_declaration=True, standalone=True``."""


def text(value: str) -> str:
    """``value`` escaped as element content."""
    if _TEXT_SPECIAL.search(value) is None:
        return value
    return _TEXT_SPECIAL.sub(lambda match: _TEXT_ESCAPES[match.group()], value)


def attribute(value: str) -> str:
    """``value`` escaped for a double-quoted attribute."""
    if _ATTRIBUTE_SPECIAL.search(value) is None:
        return value
    return _ATTRIBUTE_SPECIAL.sub(lambda match: _ATTRIBUTE_ESCAPES[match.group()], value)


def check(value: str) -> None:
    """Refuse text that XML 1.0 cannot carry.

    Raises:
        ValueError: ``value`` holds a control character (other than tab, line feed
            and carriage return) or U+FFFE / U+FFFF, as lxml does.
    """
    found = _NOT_XML.search(value)
    if found is not None:
        raise ValueError(
            "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or "
            f"control characters (found U+{ord(found.group()):04X})"
        )


_C0_NOT_XML = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_NONCHARACTERS = ("\ufffe".encode(), "\uffff".encode())


def encode(document: str) -> bytes:
    """The part's bytes, encoded as UTF-8 once :func:`check` would pass (the test runs
    on the bytes, several times faster than a pattern over a whole part).

    Raises:
        ValueError: see :func:`check`; a lone surrogate fails to encode
            (``UnicodeEncodeError``).
    """
    data = document.encode("utf-8")
    if len(data.translate(None, _C0_NOT_XML)) != len(data) or any(
        noncharacter in data for noncharacter in _NONCHARACTERS
    ):
        check(document)  # raises, naming the character
    return data
