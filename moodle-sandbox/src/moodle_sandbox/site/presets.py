"""Size presets: how many records of each kind a generated site has.

A preset gives ranges; the seed picks a value in each, so two seeds give sites
of similar but not equal size. The generator reads every count from the preset.

* ``S``: about 70 users and 8 to 10 courses, for tests of every detail.
* ``M``: 20,000 users, 500 courses besides the site course, about 60,000
  enrolments, about 10 graded items per course, completion on about half the
  courses.
* ``L``: four times ``M``: 80,000 users, 2,000 courses, about 240,000
  enrolments.
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
        generic_grade_items: Drives the gradable items of a generic course:
            ``n - 1`` assignments, a quiz half of the time, a manual item and,
            half of the time, a hidden manual item, so about ``n + 1`` items
            besides the course total.
        extra_teachers: Teachers beside the four with a fixed role; when
            there are any, they take turns teaching the generic courses.
        first_generic_completion_chance: Chance that the first generic course
            has completion tracking on.
        generic_completion_chance: Chance that each later generic course has
            completion tracking on.
    """

    name: str
    users: tuple[int, int]
    extra_categories: tuple[int, int]
    generic_courses: tuple[int, int]
    flagship_students: tuple[int, int]
    course_students: tuple[int, int]
    generic_grade_items: tuple[int, int]
    extra_teachers: int = 0
    first_generic_completion_chance: float = 0.5
    generic_completion_chance: float = 0.0


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
    "M": SizePreset(
        name="M",
        users=(20_000, 20_000),
        extra_categories=(3, 3),
        generic_courses=(496, 496),
        flagship_students=(100, 140),
        course_students=(80, 160),
        generic_grade_items=(8, 10),
        extra_teachers=96,
        first_generic_completion_chance=0.5,
        generic_completion_chance=0.5,
    ),
    "L": SizePreset(
        name="L",
        users=(80_000, 80_000),
        extra_categories=(3, 3),
        generic_courses=(1996, 1996),
        flagship_students=(100, 140),
        course_students=(80, 160),
        generic_grade_items=(8, 10),
        extra_teachers=396,
        first_generic_completion_chance=0.5,
        generic_completion_chance=0.5,
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
