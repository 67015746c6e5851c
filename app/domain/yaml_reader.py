"""Read a YAML data file with errors that name the file, the entry and the line.

Data files are edited by people (lawyers, analysts). When one is wrong, the error
must point at the place to fix: ``elements.yaml: elements[3] (Ce), line 58:
"forms" names 'powder', which is not one of [...]``. :class:`YamlMapping` wraps one
mapping of a loaded file together with its composed YAML node, so every accessor
can report the line of the offending key.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from app.errors import ClausewrightError


class YamlMapping:
    """One mapping from a YAML file; accessors check types and raise ``error``."""

    __slots__ = ("_error", "_node", "_path", "_raw", "_where")

    def __init__(
        self,
        raw: object,
        node: yaml.Node | None,
        *,
        path: Path,
        where: str,
        error: type[ClausewrightError],
    ) -> None:
        self._raw: dict[Any, Any] = raw if isinstance(raw, dict) else {}
        self._node, self._path, self._where, self._error = node, path, where, error
        if not isinstance(raw, dict):
            raise self.error("must be a mapping of keys to values")

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys present, in file order."""
        return tuple(str(key) for key in self._raw)

    def has(self, key: str) -> bool:
        """Whether ``key`` is present with a non-null value."""
        return self._raw.get(key) is not None

    def error(self, reason: str, key: str | None = None) -> ClausewrightError:
        """Return (not raise) the error for ``reason`` at this entry or at its ``key``."""
        node = (self._value_node(key) if key else None) or self._node
        line = f", line {node.start_mark.line + 1}" if node is not None else ""
        return self._error(f"{self._path}: {self._where}{line}: {reason}")

    def named(self, name: str) -> YamlMapping:
        """The same mapping, with ``name`` (an id or symbol) added to its location."""
        return YamlMapping(
            self._raw,
            self._node,
            path=self._path,
            where=f"{self._where} ({name})",
            error=self._error,
        )

    def _inner(self, key: str) -> str:
        return key if self._where == "file" else f"{self._where}.{key}"

    def _value_node(self, key: str) -> yaml.Node | None:
        if isinstance(self._node, yaml.MappingNode):
            for key_node, value_node in self._node.value:
                if key_node.value == key:
                    return value_node  # type: ignore[no-any-return]
        return None

    def _get(self, key: str, kind: type | tuple[type, ...], what: str, *, optional: bool) -> Any:
        value = self._raw.get(key)
        if value is None:
            if optional:
                return None
            raise self.error(f'"{key}" is missing')
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.error(f'"{key}" must be {what}, not {value!r}', key)
        return value

    def text(self, key: str) -> str:
        """Required non-empty text, stripped."""
        value: str = self._get(key, str, "text", optional=False)
        if not value.strip():
            raise self.error(f'"{key}" must not be empty', key)
        return value.strip()

    def optional_text(self, key: str) -> str | None:
        """Text, or None when the key is absent or null."""
        value: str | None = self._get(key, str, "text", optional=True)
        return value.strip() if value and value.strip() else None

    def integer(self, key: str) -> int:
        """A required whole number (``true`` is not one)."""
        value: int = self._get(key, int, "a whole number", optional=False)
        return value

    def flag(self, key: str, *, default: bool | None = None) -> bool:
        """``true`` or ``false``; required unless a ``default`` is given."""
        value: bool | None = self._get(key, bool, "true or false", optional=default is not None)
        return bool(default) if value is None else value

    def optional_date(self, key: str) -> date | None:
        """A date written ``YYYY-MM-DD`` (quoted or not), or None when absent/null."""
        value = self._get(key, (date, str), "a date (YYYY-MM-DD)", optional=True)
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                raise self.error(
                    f'"{key}" must be a date (YYYY-MM-DD), not {value!r}', key
                ) from None
        if value is not None and type(value) is not date:
            raise self.error(f'"{key}" must be a date without a time of day', key)
        return value

    def date(self, key: str) -> date:
        """A required date."""
        value = self.optional_date(key)
        if value is None:
            raise self.error(f'"{key}" is missing')
        return value

    def texts(self, key: str, *, allowed: frozenset[str] | None = None) -> tuple[str, ...]:
        """A list of distinct texts (empty when absent), each in ``allowed`` if given."""
        values: list[Any] = self._get(key, list, "a list", optional=True) or []
        for value in values:
            if not isinstance(value, str) or not value.strip():
                raise self.error(f'"{key}" must list text values, not {value!r}', key)
            if allowed is not None and value not in allowed:
                raise self.error(
                    f'"{key}" names {value!r}, which is not one of {sorted(allowed)}', key
                )
        if len(set(values)) != len(values):
            raise self.error(f'"{key}" lists a value twice', key)
        return tuple(values)

    def text_mapping(self, key: str, *, keys: frozenset[str] | None = None) -> dict[str, str]:
        """A mapping of text to text (empty when absent), its keys in ``keys`` if given."""
        mapping: dict[Any, Any] = self._get(key, dict, "a mapping", optional=True) or {}
        for name, value in mapping.items():
            if not isinstance(name, str) or (keys is not None and name not in keys):
                allowed = f", which is not one of {sorted(keys)}" if keys is not None else ""
                raise self.error(f'"{key}" has the key {name!r}{allowed}', key)
            if not isinstance(value, str):
                raise self.error(f'"{key}.{name}" must be text (quote it), not {value!r}', key)
        return dict(mapping)

    def child(self, key: str) -> YamlMapping:
        """The required mapping under ``key``."""
        self._get(key, dict, "a mapping", optional=False)
        return YamlMapping(
            self._raw[key],
            self._value_node(key),
            path=self._path,
            where=self._inner(key),
            error=self._error,
        )

    def items(self, key: str) -> list[YamlMapping]:
        """The mappings listed under ``key`` (empty when absent), located as ``key[i]``."""
        values: list[Any] = self._get(key, list, "a list", optional=True) or []
        node = self._value_node(key)
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [None] * len(values)
        return [
            YamlMapping(
                value,
                item,
                path=self._path,
                where=f"{self._inner(key)}[{index}]",
                error=self._error,
            )
            for index, (value, item) in enumerate(zip(values, nodes, strict=True))
        ]


class _DataLoader(yaml.SafeLoader):
    """The safe loader, except that dates stay text.

    PyYAML turns ``2025-11-31`` into an exception without a line number; read as
    text, a bad date reaches :meth:`YamlMapping.optional_date`, which names the line.
    """


def _timestamp_as_text(loader: _DataLoader, node: yaml.Node) -> str:
    return str(node.value)


_DataLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def read_yaml_file(path: Path, *, error: type[ClausewrightError]) -> YamlMapping:
    """Load ``path`` (UTF-8 YAML, safe loader) and return its top-level mapping.

    Raises:
        error: the file is missing, unreadable, not valid YAML or not a mapping.
    """
    try:
        text = path.read_text(encoding="utf-8")
        loader = _DataLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise error(f"{path}: is not valid YAML: {exc}") from exc
    return YamlMapping(data, node, path=path, where="file", error=error)
