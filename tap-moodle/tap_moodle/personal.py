"""Personal data policy: keep, hash or drop personal fields before records leave.

Under the GDPR and Brazil's LGPD, a warehouse for learning analytics rarely needs
names, e-mail addresses or id numbers: ids are enough to join. ``hash`` replaces
each personal value with an HMAC-SHA256 keyed by a salt of the site, so values stay
joinable and countable without being readable. The salt must stay secret: anyone
who has it can test guesses of a value against its hash. ``drop`` replaces each
personal value with null.
"""

from __future__ import annotations

import hashlib
import hmac
import typing as t

KEEP = "keep"
HASH = "hash"
DROP = "drop"
MODES = (KEEP, HASH, DROP)

# Shortest salt accepted for ``hash``: 16 characters of random text.
MIN_SALT_LENGTH = 16


class PersonalDataPolicy:
    """Apply one mode to the personal fields of records.

    Only text values are hashed. Lists and objects among personal fields (such as
    custom profile fields) become null under both ``hash`` and ``drop``, because
    their parts cannot be hashed one by one without knowing which parts are
    personal.
    """

    def __init__(self, mode: str = KEEP, salt: str | None = None) -> None:
        """Check the mode and, for ``hash``, the salt.

        Raises:
            ValueError: If the mode is unknown, or ``hash`` has no salt or one
                shorter than 16 characters.
        """
        if mode not in MODES:
            msg = f"Invalid personal_data '{mode}': use one of {', '.join(MODES)}."
            raise ValueError(msg)
        if mode == HASH and len(salt or "") < MIN_SALT_LENGTH:
            msg = (
                "personal_data 'hash' requires personal_data_salt: a secret of at "
                f"least {MIN_SALT_LENGTH} random characters, different for each site."
            )
            raise ValueError(msg)
        self.mode = mode
        self._key = (salt or "").encode()

    def apply(
        self, record: dict[str, t.Any], fields: t.Iterable[str]
    ) -> dict[str, t.Any]:
        """Return the record with each personal field kept, hashed or dropped."""
        if self.mode == KEEP:
            return record
        for field in fields:
            if field in record:
                record[field] = self._protect(record[field])
        return record

    def _protect(self, value: object) -> str | None:
        if self.mode == DROP or value is None or isinstance(value, (list, dict)):
            return None
        digest = hmac.new(self._key, str(value).encode(), hashlib.sha256)
        return digest.hexdigest()
