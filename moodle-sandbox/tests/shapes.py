"""Shape of JSON documents: keys and value types per path, and their comparison.

A path names every value reachable by the same keys: ``$.users[].customfields[]``
stands for each custom field of each user. For each path a :class:`PathShape`
records the JSON types seen, how many values were empty, and, for objects, how
many objects had each key. A key present in every object of a path is required
there; one present in some is optional.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

Shape = dict[str, "PathShape"]


@dataclass
class PathShape:
    """Types, empty values and key counts of the values found at one path."""

    types: set[str] = field(default_factory=set)
    objects: int = 0
    keys: Counter[str] = field(default_factory=Counter)
    empty: int = 0

    @property
    def required(self) -> set[str]:
        """Return the keys present in every object at this path."""
        return {key for key, count in self.keys.items() if count == self.objects}

    @property
    def all_keys(self) -> set[str]:
        """Return every key seen in some object at this path."""
        return set(self.keys)


def json_type(value: object) -> str:
    """Return the JSON type of a decoded value, telling int, float and bool apart."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def describe(value: object, shape: Shape | None = None, path: str = "$") -> Shape:
    """Add the shape of a decoded JSON value to ``shape`` and return it."""
    shape = {} if shape is None else shape
    node = shape.setdefault(path, PathShape())
    node.types.add(json_type(value))
    if is_empty(value):
        node.empty += 1
    if isinstance(value, dict):
        node.objects += 1
        node.keys.update(value.keys())
        for key, item in value.items():
            describe(item, shape, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            describe(item, shape, f"{path}[]")
    return shape


def merge(shapes: list[Shape]) -> Shape:
    """Combine shapes as if all their documents had been described together."""
    merged: Shape = {}
    for shape in shapes:
        for path, node in shape.items():
            target = merged.setdefault(path, PathShape())
            target.types |= node.types
            target.objects += node.objects
            target.keys.update(node.keys)
            target.empty += node.empty
    return merged


def is_empty(value: object) -> bool:
    """Whether a value is an empty string or an empty list."""
    return value in ("", [])


def allowed_types(recorded: set[str]) -> set[str]:
    """Return the types a path may have given the types recorded there.

    PHP writes a float with a whole value, such as a grade of 9.0, as ``9``. So
    where the recording shows floats, ints are allowed as well.
    """
    allowed = set(recorded)
    if "float" in allowed:
        allowed.add("int")
    return allowed


def compare(recorded: Shape, actual: Shape) -> list[str]:
    """List every way ``actual`` departs from the ``recorded`` shape.

    A departure is a path or key that the recording never had, a value type
    not allowed at a path, or a required key missing from some object. An
    optional key sent empty is one too when the recording never shows it
    empty, because Moodle leaves such keys out instead. Paths of the recording
    that ``actual`` lacks (an empty list, say) are not departures;
    :func:`uncovered` lists them.
    """
    problems: list[str] = []
    for path in sorted(actual):
        node = actual[path]
        expected = recorded.get(path)
        if expected is None:
            if _is_first_unrecorded_element(path, recorded):
                problems.append(f"{path}: the recording has no elements here")
            continue
        wrong = node.types - allowed_types(expected.types)
        if wrong:
            problems.append(
                f"{path}: type {sorted(wrong)}, recorded {sorted(expected.types)}"
            )
        if node.objects:
            extra = node.all_keys - expected.all_keys
            if extra:
                problems.append(f"{path}: keys {sorted(extra)} not in the recording")
            missing = {k for k in expected.required if node.keys[k] < node.objects}
            if missing:
                problems.append(f"{path}: required keys {sorted(missing)} missing")
            problems.extend(
                _empty_optional_keys(path, node, expected, recorded, actual)
            )
    return problems


def _empty_optional_keys(
    path: str, node: PathShape, expected: PathShape, recorded: Shape, actual: Shape
) -> list[str]:
    """List optional keys that ``actual`` sends empty but Moodle leaves out."""
    problems = []
    optional = (node.all_keys & expected.all_keys) - expected.required
    for key in sorted(optional):
        child = f"{path}.{key}"
        if actual[child].empty and not recorded[child].empty:
            problems.append(
                f"{child}: sent empty, but the recording leaves this optional "
                "key out instead of sending it empty"
            )
    return problems


def _is_first_unrecorded_element(path: str, recorded: Shape) -> bool:
    """Whether ``path`` is list elements under a recorded, always empty, list.

    Other unrecorded paths are reported once already: as an unexpected key of
    their object, or under such a key.
    """
    return path.endswith("[]") and path.removesuffix("[]") in recorded


def uncovered(recorded: Shape, actual: Shape) -> set[str]:
    """Return the recorded paths that ``actual`` never reaches."""
    return set(recorded) - set(actual)
