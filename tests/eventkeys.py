"""The key walk shared by the event model tests: which keys of a real sample no field
of a model reads (a misspelt rename leaves a field at its default, silently)."""

from __future__ import annotations

from typing import Any

import msgspec.inspect as mi


def unknown_keys(value: Any, tp: mi.Type, at: str = "$") -> list[str]:
    """The keys of a sample that no field of the model reads (a misspelt rename)."""
    if isinstance(tp, mi.StructType) and isinstance(value, dict):
        fields: dict[str, Any] = {f.encode_name: f.type for f in tp.fields}
        if tp.tag_field is not None:
            fields[tp.tag_field] = None  # read by the tagged union, not by a field
        found: list[str] = []
        for key, inner in value.items():
            if key not in fields:
                found.append(f"{at}.{key}")
            else:
                found += unknown_keys(inner, fields[key], f"{at}.{key}")
        return found
    if isinstance(tp, mi.ListType) and isinstance(value, list):
        return [k for i, v in enumerate(value) for k in unknown_keys(v, tp.item_type, f"{at}[{i}]")]
    if isinstance(tp, mi.DictType) and isinstance(value, dict):
        return [k for n, v in value.items() for k in unknown_keys(v, tp.value_type, f"{at}[{n}]")]
    if isinstance(tp, mi.UnionType):
        # a key is unknown only if no member of the union reads it
        per_member = [set(unknown_keys(value, t, at)) for t in tp.types
                      if isinstance(t, (mi.StructType, mi.ListType, mi.DictType))]
        return sorted(set.intersection(*per_member)) if per_member else []
    return []
