"""Size presets: how many records of each kind a generated site has.

A preset gives ranges; the seed picks a value in each, so two seeds give sites
of similar but not equal size. Only "S" exists so far. Larger presets need only
new entries here, because the generator reads every count from the preset.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SizePreset:
    """Ranges (inclusive) of the counts of a generated site.

    Attributes:
        name: The preset's name, such as ``"S"``.
        users: User accounts, guest and admin included.
        extra_categories: Categories beside the five every site has.
        generic_courses: Courses beside the four with a fixed role (flagship,
            weekly, empty and hidden).
        flagship_students: Students of the flagship course.
        course_students: Students of each other course with enrolments.
        generic_grade_items: Graded activities and manual items of a generic
            course.
    """

    name: str
    users: tuple[int, int]
    extra_categories: tuple[int, int]
    generic_courses: tuple[int, int]
    flagship_students: tuple[int, int]
    course_students: tuple[int, int]
    generic_grade_items: tuple[int, int]


SIZE_PRESETS: dict[str, SizePreset] = {
    "S": SizePreset(
        name="S",
        users=(60, 80),
        extra_categories=(0, 1),
        generic_courses=(4, 6),
        flagship_students=(30, 38),
        course_students=(20, 38),
        generic_grade_items=(2, 4),
    ),
}

DEFAULT_SIZE = "S"


def get_preset(size: str | SizePreset) -> SizePreset:
    """Return the preset for a name, or the preset itself.

    Raises:
        ValueError: If no preset has that name.
    """
    if isinstance(size, SizePreset):
        return size
    try:
        return SIZE_PRESETS[size.upper()]
    except KeyError:
        known = ", ".join(sorted(SIZE_PRESETS))
        msg = f"Unknown site size '{size}': use one of {known}."
        raise ValueError(msg) from None
