"""Reading a params file's YAML so that nothing in it is silently dropped: a key written twice in
one mapping is refused (plain YAML keeps the last one and forgets the first)."""
from __future__ import annotations

import yaml


class DuplicateKey(yaml.constructor.ConstructorError):
    """A key written twice in one mapping: ``key``, and the lines (1-based) of both."""

    def __init__(self, key, first_line: int, second_line: int, mark):
        super().__init__(None, None, f"duplicate key {key!r}", mark)
        self.key, self.first_line, self.second_line = key, first_line, second_line


class UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that raises ``DuplicateKey`` instead of keeping the last of two equal keys."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node.start_mark)
                except TypeError:  # an unhashable key: SafeLoader refuses it itself
                    continue
                if first is not key_node.start_mark:
                    raise DuplicateKey(key, first.line + 1, key_node.start_mark.line + 1, key_node.start_mark)
        return super().construct_mapping(node, deep)


def load(text: str):
    """The YAML document in ``text``, as ``yaml.safe_load`` reads it, with duplicate keys refused."""
    return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
