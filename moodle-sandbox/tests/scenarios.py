"""Replay of recorded calls against a sandbox: map ids, decide what to compare.

A recording's parameters name records of the recorded site. :func:`replay_fields`
swaps each id for the sandbox record with the same role (the flagship course for
HIST101, the deleted user for user 118, ...), using the site's landmarks.
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass
from pathlib import Path

from moodle_sandbox import IMPLEMENTED_FUNCTIONS

if t.TYPE_CHECKING:
    from moodle_sandbox import Site

REDACTED = "REDACTED"
# Errors the sandbox raises before it looks at the function's implementation.
DISPATCH_ERRORCODES = frozenset({"invalidtoken", "accessexception", "invalidrecord"})
# Variants recorded with the limited teacher token whose names lack
# "teacher_token".
TEACHER_TOKEN_VARIANTS = frozenset(
    {"teacher_hidden_course", "teacher_not_enrolled_course"}
)


@dataclass(frozen=True)
class Recording:
    """One recorded call, loaded from a file."""

    name: str
    wsfunction: str | None
    method: str
    params: dict[str, str]
    status: int
    content_type: str
    body: t.Any

    @property
    def variant(self) -> str:
        return self.name.split("__", 1)[1]

    @property
    def is_error(self) -> bool:
        return isinstance(self.body, dict) and "exception" in self.body

    @property
    def is_xml(self) -> bool:
        return isinstance(self.body, str)

    @property
    def is_debug(self) -> bool:
        """Whether the site ran with debugging set to DEVELOPER for this call."""
        return self.variant.endswith("debugmode")


def load_recording(path: Path) -> Recording:
    data = json.loads(path.read_text(encoding="utf-8"))
    request = data["request"]
    return Recording(
        name=path.stem,
        wsfunction=request["wsfunction"],
        method=request["method"],
        params=request["params"],
        status=data["status"],
        content_type=data["headers"]["content-type"],
        body=data["body"],
    )


def skip_reason(recording: Recording) -> str | None:
    """Return why a recording cannot be replayed on the sandbox, or ``None``.

    Recordings of a debug site replay on a sandbox in debug mode.
    """
    variant = recording.variant
    if "teacher_token" in variant or variant in TEACHER_TOKEN_VARIANTS:
        return "the sandbox has one administrator token, no limited teacher token"
    implemented = recording.wsfunction in IMPLEMENTED_FUNCTIONS
    if recording.wsfunction and not implemented:
        errorcode = recording.body.get("errorcode") if recording.is_error else None
        if errorcode not in DISPATCH_ERRORCODES:
            return f"wsfunction {recording.wsfunction} is not implemented"
    return None


def is_schema_source(recording: Recording) -> bool:
    """Whether a recording's success body joins its function's merged shape.

    The ``userfields`` variant returns a few fields on purpose and is compared
    only with itself.
    """
    return (
        not recording.is_error
        and not recording.is_xml
        and skip_reason(recording) is None
        and "userfields" not in recording.variant
    )


def id_maps(site: Site) -> dict[str, dict[str, str]]:
    """Return recorded id -> sandbox id, per kind of record."""
    marks = site.landmarks
    courses = {
        14: marks.flagship_course,
        15: marks.weekly_course,
        16: marks.empty_course,
        17: marks.hidden_course,
        10: marks.largest_course,
        2: marks.completion_disabled_course,
    }
    users = {
        3: marks.completed_student,
        20: marks.incomplete_student,
        32: marks.weekly_student,
        103: marks.editing_teacher,
        107: marks.profile_user,
        109: marks.ungraded_student,
        117: marks.suspended_user,
        118: marks.deleted_user,
    }
    categories = {
        2: marks.humanities_category,
        3: marks.science_category,
        4: marks.nested_category,
        5: marks.hidden_category,
    }
    groups = {1: marks.flagship_group}
    return {
        kind: {str(key): str(value) for key, value in mapping.items()}
        for kind, mapping in {
            "course": courses,
            "user": users,
            "category": categories,
            "group": groups,
        }.items()
    }


def text_map(site: Site) -> dict[str, str]:
    """Return recorded names and addresses -> the sandbox value of the same role."""
    marks = site.landmarks
    profile = site.user(marks.profile_user)
    teacher = site.user(marks.editing_teacher)
    nonascii = site.user(marks.nonascii_user)
    weekly = site.course(marks.weekly_course)
    assert profile and teacher and nonascii and weekly
    return {
        "zoe.angstrom@example.test": profile.email,
        "li.minghua@example.test": profile.email,
        "teacher.lefevre": teacher.username,
        "Émilie": nonascii.firstname,
        "MATH201": weekly.shortname,
    }


def replay_fields(recording: Recording, site: Site, token: str) -> list[tuple[str, str]]:
    """Return the recording's form fields with sandbox ids and the sandbox token."""
    maps = id_maps(site)
    texts = text_map(site)
    params = recording.params
    fields = []
    for name, value in params.items():
        if name == "wstoken":
            fields.append((name, token if value == REDACTED else value))
            continue
        kind = _id_kind(recording.wsfunction or "", name, params)
        if kind == "ids":
            mapped = ",".join(maps["course"].get(v, v) for v in value.split(","))
        elif kind is not None:
            mapped = maps[kind].get(value, value)
        else:
            mapped = texts.get(value, value)
        fields.append((name, mapped))
    return fields


def _id_kind(wsfunction: str, name: str, params: dict[str, str]) -> str | None:
    """Return which kind of record a parameter names, or ``None`` for text."""
    if name == "courseid" or re.fullmatch(r"courseids\[\d+\]", name):
        return "course"
    if name == "userid":
        return "user"
    if name == "value" and wsfunction == "core_course_get_courses_by_field":
        return {"id": "course", "category": "category", "ids": "ids"}.get(
            params.get("field", "")
        )
    if re.fullmatch(r"values\[\d+\]", name) and params.get("field") == "id":
        return "user"
    match = re.fullmatch(r"(criteria|options)\[(\d+)\]\[value\]", name)
    if match:
        key = params.get(f"{match[1]}[{match[2]}][{'key' if match[1] == 'criteria' else 'name'}]")
        if key == "groupid":
            return "group"
        if key in {"id", "parent"}:
            return "category" if wsfunction == "core_course_get_categories" else "user"
    return None
