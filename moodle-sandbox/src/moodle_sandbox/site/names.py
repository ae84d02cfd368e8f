"""Name pools of the generator: people, categories, courses and groups.

Each person's name comes with an ASCII stem for the username, because Moodle
usernames are lower-case ASCII while names may be in any script. Pools mix
Latin, accented Latin, Cyrillic, Chinese, Japanese, Greek, Arabic, Korean and
Vietnamese names, and some names carry an apostrophe or an ampersand on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NameFamily:
    """First and last names of one language, each with an ASCII stem.

    Attributes:
        weight: Relative chance that a generated person has a name from here.
        countries: ISO country codes a person of this family may have.
        cities: Cities a person of this family may have.
    """

    weight: int
    firstnames: tuple[tuple[str, str], ...]
    lastnames: tuple[tuple[str, str], ...]
    countries: tuple[str, ...]
    cities: tuple[str, ...]


NAME_FAMILIES: tuple[NameFamily, ...] = (
    NameFamily(
        weight=28,
        firstnames=(
            ("Michael", "michael"),
            ("Ava", "ava"),
            ("Olivia", "olivia"),
            ("William", "william"),
            ("Emma", "emma"),
            ("Jacob", "jacob"),
            ("Laura", "laura"),
            ("Leah", "leah"),
        ),
        lastnames=(
            ("Brown", "brown"),
            ("Davis", "davis"),
            ("Smith", "smith"),
            ("Johnson", "johnson"),
            ("Miller", "miller"),
            ("Weber", "weber"),
        ),
        countries=("GB", "US", "AU", "DE"),
        cities=("Leeds", "Boston", "Perth", "Bremen"),
    ),
    NameFamily(
        weight=24,
        firstnames=(
            ("Zoë", "zoe"),
            ("José", "jose"),
            ("Łukasz", "lukasz"),
            ("Ömer", "omer"),
            ("François", "francois"),
            ("Tomáš", "tomas"),
            ("Adéla", "adela"),
            ("Siobhán", "siobhan"),
            ("Jürgen", "jurgen"),
        ),
        lastnames=(
            ("Ångström", "angstrom"),
            ("Núñez", "nunez"),
            ("Wójcik", "wojcik"),
            ("Çelik", "celik"),
            ("Dubois-Lefèvre", "dubois"),
            ("Dvořák", "dvorak"),
            ("O'Connor", "oconnor"),
            ("Müller", "muller"),
        ),
        countries=("SE", "ES", "PL", "TR", "FR", "CZ", "IE", "DE"),
        cities=("Göteborg", "Sevilla", "Kraków", "İzmir", "Lyon", "Brno", "Galway"),
    ),
    NameFamily(
        weight=12,
        firstnames=(
            ("Артем", "artem"),
            ("Мария", "maria"),
            ("Дарья", "darya"),
            ("Иван", "ivan"),
            ("Полина", "polina"),
        ),
        lastnames=(
            ("Попов", "popov"),
            ("Иванова", "ivanova"),
            ("Кузнецов", "kuznetsov"),
            ("Лебедева", "lebedeva"),
        ),
        countries=("RU",),
        cities=("Казань",),
    ),
    NameFamily(
        weight=10,
        firstnames=(
            ("伟", "wei"),
            ("芳", "fang"),
            ("明华", "minghua"),
            ("秀英", "xiuying"),
        ),
        lastnames=(("王", "wang"), ("李", "li"), ("陈", "chen"), ("张", "zhang")),
        countries=("CN",),
        cities=("上海",),
    ),
    NameFamily(
        weight=10,
        firstnames=(
            ("さくら", "sakura"),
            ("大翔", "hiroto"),
            ("葵", "aoi"),
            ("陽菜", "hina"),
        ),
        lastnames=(
            ("高橋", "takahashi"),
            ("伊藤", "ito"),
            ("中村", "nakamura"),
            ("渡辺", "watanabe"),
        ),
        countries=("JP",),
        cities=("東京", "大阪"),
    ),
    NameFamily(
        weight=5,
        firstnames=(("Αθηνά", "athina"), ("Νίκος", "nikos"), ("Ελένη", "eleni")),
        lastnames=(("Παπαδοπούλου", "papadopoulou"), ("Γεωργίου", "georgiou")),
        countries=("GR",),
        cities=("Αθήνα",),
    ),
    NameFamily(
        weight=4,
        firstnames=(("ليلى", "layla"), ("عمر", "omar")),
        lastnames=(("حداد", "haddad"), ("خليل", "khalil")),
        countries=("JO",),
        cities=("عمّان",),
    ),
    NameFamily(
        weight=4,
        firstnames=(("지우", "jiwoo"), ("민준", "minjun")),
        lastnames=(("김", "kim"), ("박", "park")),
        countries=("KR",),
        cities=("서울",),
    ),
    NameFamily(
        weight=3,
        firstnames=(("Thị Hoa", "hoa"), ("Minh", "minh")),
        lastnames=(("Nguyễn", "nguyen"), ("Trần", "tran")),
        countries=("VN",),
        cities=("Hà Nội",),
    ),
)

DEFAULT_CATEGORY_NAMES = ("Category 1", "Miscellaneous", "General")
HUMANITIES_CATEGORY_NAMES = (
    "Humanités & Langues",
    "Arts & Humanities",
    "Language & Literature",
)
SCIENCE_CATEGORY_NAMES = ("Science", "Natural Sciences", "Sciences exactes")
NESTED_CATEGORY_NAMES = ("Mathematics 数学", "Mathématiques", "Physics Φυσική")
HIDDEN_CATEGORY_NAMES = ("Archive (hidden)", "Archived courses", "Old terms")
EXTRA_CATEGORY_NAMES = ("Linguistics", "Histoire", "Philosophy")

# (shortname, fullname) pairs.
FLAGSHIP_COURSES = (
    ("HIST101", "Histoire de l'Europe — Introduction"),
    ("LIT110", "Littérature & société"),
    ("LANG120", "Español — nivel inicial"),
)
WEEKLY_COURSES = (
    ("MATH201", "数学 201: Linear Algebra"),
    ("PHYS150", "Φυσική 150: Mechanics"),
    ("STAT210", "Statistics 210: Inference"),
)
GENERIC_COURSES = (
    ("BIO110", "Biology Basics"),
    ("CHEM120", "General Chemistry"),
    ("ECON100", "Économie générale"),
    ("CS101", "Programming 101"),
    ("ART105", "Art & Design"),
    ("GEO130", "Géographie humaine"),
    ("MUS140", "Music Theory 音楽"),
    ("PSY100", "Introduction to Psychology"),
)
EMPTY_COURSES = (
    ("EMPTY001", "Empty Course (no enrolments)"),
    ("NEW900", "Course in preparation"),
)
HIDDEN_COURSES = (
    ("CHEM-2019", "Archived: Chemistry 2019 (hidden)"),
    ("HIST-2018", "Archived: History 2018 (hidden)"),
)

FLAGSHIP_GROUPS = (
    ("Groupe A", "<p>Mardi</p>"),
    ("Groupe B", "<p>Jeudi</p>"),
    ("グループC", "<p>Online</p>"),
)
TUTORIAL_GROUPS = (("Tutorial 1", "<p>Room 101</p>"), ("Tutorial 2", "<p>Room 102</p>"))
EMPTY_GROUP_NAME = "Empty group"

LOREM = "Lorem ipsum dolor sit amet, consectetuer adipiscing elit."
