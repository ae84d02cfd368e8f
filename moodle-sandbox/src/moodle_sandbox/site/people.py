"""Generator step: user accounts.

Ids follow creation order as in Moodle: guest (1), admin (2), students, teachers
(the four with a fixed role, then the preset's extra ones), then the special
accounts (suspended, deleted, no-login, self-registered).
"""

from __future__ import annotations

import typing as t

from moodle_sandbox.site.model import CustomField, User
from moodle_sandbox.site.names import NAME_FAMILIES, NameFamily

if t.TYPE_CHECKING:
    from moodle_sandbox.site.builder import Builder

GUEST_DESCRIPTION = (
    "This user is a special user that allows read-only access to some courses."
)
TEACHER_COUNT = 4
# Guest, admin, teachers and the five special accounts.
FIXED_ACCOUNTS = 2 + TEACHER_COUNT + 5
# Shares of students with an idnumber, a full profile (description, country,
# custom field), a location only, and no login ever.
IDNUMBER_SHARE = 0.7
PROFILE_SHARE = 0.25
LOCATION_SHARE = 0.15
NEVER_LOGGED_IN_SHARE = 0.2


def add_users(builder: Builder) -> None:
    """Create every user account of the site."""
    total = builder.pick_count(builder.preset.users)
    builder.users.append(_guest())
    builder.users.append(_admin(builder.anchor))
    usernames = _Usernames({"guest", "admin"})
    extra_teachers = builder.preset.extra_teachers
    for number in range(1, total - FIXED_ACCOUNTS - extra_teachers + 1):
        user = _student(builder, number, usernames)
        builder.users.append(user)
        builder.people["students"].append(user.id)
    for number in range(1, TEACHER_COUNT + extra_teachers + 1):
        user = _teacher(builder, number, usernames)
        builder.users.append(user)
        role = "teachers" if number <= TEACHER_COUNT else "extra_teachers"
        builder.people[role].append(user.id)
    _add_special_accounts(builder)


def _guest() -> User:
    return User(
        id=1,
        username="guest",
        firstname="Guest user",
        lastname=" ",
        email="root@localhost",
        description=GUEST_DESCRIPTION,
    )


def _admin(anchor: int) -> User:
    return User(
        id=2,
        username="admin",
        firstname="Admin",
        lastname="User",
        email="admin@example.test",
        preferences=(
            ("last_time_enrolments_synced", str(anchor - 3600)),
            ("_lastloaded", anchor - 60),
        ),
    )


def _student(builder: Builder, number: int, usernames: _Usernames) -> User:
    rng = builder.rng
    family = _pick_family(builder)
    firstname, first_stem = rng.choice(family.firstnames)
    lastname, last_stem = rng.choice(family.lastnames)
    username = usernames.claim(f"{first_stem}.{last_stem}")
    fields: dict[str, t.Any] = {}
    if rng.random() < IDNUMBER_SHARE:
        fields["idnumber"] = f"S-{number:04d}"
    profile_roll = rng.random()
    if profile_roll < PROFILE_SHARE:
        fields["description"] = (
            f"<p>Synthetic profile for <strong>{firstname}</strong>.</p>"
        )
        fields["country"] = rng.choice(family.countries)
        fields["customfields"] = (
            CustomField("studentno", "Student number", f"2024-{number:05d}"),
        )
    elif profile_roll < PROFILE_SHARE + LOCATION_SHARE:
        fields["city"] = rng.choice(family.cities)
        fields["country"] = rng.choice(family.countries)
    if rng.random() >= NEVER_LOGGED_IN_SHARE:
        fields["firstaccess"] = builder.days_ago(60, 240)
        fields["lastaccess"] = builder.days_ago(0, 25)
    return User(
        id=len(builder.users) + 1,
        username=username,
        firstname=firstname,
        lastname=lastname,
        email=f"{username}@example.test",
        **fields,
    )


def _teacher(builder: Builder, number: int, usernames: _Usernames) -> User:
    rng = builder.rng
    family = _pick_family(builder)
    firstname, first_stem = rng.choice(family.firstnames)
    lastname, last_stem = rng.choice(family.lastnames)
    username = usernames.claim(f"teacher.{first_stem}.{last_stem}")
    return User(
        id=len(builder.users) + 1,
        username=username,
        firstname=firstname,
        lastname=lastname,
        email=f"{username}@example.test",
        idnumber=f"T-{number:04d}",
        institution="Example University",
        city=rng.choice(family.cities),
        country=rng.choice(family.countries),
        firstaccess=builder.days_ago(200, 400),
        lastaccess=builder.days_ago(0, 5),
    )


def _add_special_accounts(builder: Builder) -> None:
    specials = {
        "suspended": {
            "username": "suspended.student",
            "firstname": "Suspendo",
            "lastname": "Müller",
            "suspended": True,
        },
        "deleted": {
            "username": "deleted.student",
            "firstname": "Gelöscht",
            "lastname": "Person",
            "deleted": True,
            "timedeleted": builder.days_ago(5, 40),
        },
        "nologin": {
            "username": "nologin.user",
            "firstname": "Nolo",
            "lastname": "Gin",
            "auth": "nologin",
        },
        "selfreg": {
            "username": "selfreg.one",
            "firstname": "Selma",
            "lastname": "Registrada",
            "auth": "email",
        },
        "unconfirmed": {
            "username": "selfreg.two",
            "firstname": "Unconfirmed",
            "lastname": "Person",
            "auth": "email",
            "confirmed": False,
        },
    }
    for role, fields in specials.items():
        user = User(
            id=len(builder.users) + 1,
            email=f"{fields['username']}@example.test",
            **fields,
        )
        builder.users.append(user)
        builder.people[role].append(user.id)


def _pick_family(builder: Builder) -> NameFamily:
    weights = [family.weight for family in NAME_FAMILIES]
    return builder.rng.choices(NAME_FAMILIES, weights=weights)[0]


class _Usernames:
    """Usernames taken so far, and the next numeric suffix to try for each stem.

    Remembering the suffix keeps a large site's build linear: without it, the
    n-th user with a common name would try n-1 taken usernames first.
    """

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)
        self.next_suffix: dict[str, int] = {}

    def claim(self, stem: str) -> str:
        """Return ``stem``, or ``stem`` with the lowest free suffix from 2 on."""
        username = stem
        suffix = self.next_suffix.get(stem, 2)
        while username in self.taken:
            username = f"{stem}{suffix}"
            suffix += 1
        self.next_suffix[stem] = suffix
        self.taken.add(username)
        return username
