"""YAML loading that cannot be turned against the reader: safe types only, a cap on alias expansion.

`yaml.safe_load` already refuses arbitrary objects, but a "billion laughs" document (aliases of aliases)
becomes a graph whose traversal is exponential. Documents are composed first, their alias-expanded size
is measured in linear time, and oversized ones are refused before anything walks them.
Also keeps YAML 1.1's `on:` -> True quirk visible to callers (see `ciconfig.triggers_of`).

Documents are composed by libyaml (`yaml.CSafeLoader`, about ten times faster) when PyYAML was built with
it, else by the pure-Python `yaml.SafeLoader`; both go through the same steps (compose, measure, construct),
so the guard holds for either. `LOADER` says which one is used (tests switch it).
"""

from __future__ import annotations

import yaml

MAX_NODES = 200_000
LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlRefused(ValueError):
    """The document is malformed or too expensive to expand; the message says which."""


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many nodes the document holds once every alias is expanded (linear time, thanks to the memo)."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # a node reached again while being sized is a cycle: count it once
    total = 1
    if isinstance(node, yaml.SequenceNode):
        total += sum(_expanded_size(child, memo) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        total += sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    memo[key] = total
    return total


def load_all(text: str) -> list:
    """All documents of a YAML stream; raises YamlRefused on syntax errors or alias bombs."""
    loader = LOADER(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if _expanded_size(node, {}) > MAX_NODES:
                raise YamlRefused(
                    f"YAML expands to more than {MAX_NODES} nodes through aliases (alias bomb?)"
                )
            documents.append(loader.construct_document(node))
        return documents
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlRefused(f"malformed YAML{where}: {problem}") from None
    except RecursionError:
        raise YamlRefused("YAML nested too deeply") from None
    finally:
        loader.dispose()


def load(text: str):
    """The first document of a YAML stream (None if empty); raises YamlRefused."""
    documents = load_all(text)
    return documents[0] if documents else None
