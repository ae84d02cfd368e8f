"""Fault injection: rules that make chosen REST calls fail in chosen ways.

A rule matches calls by wsfunction (or any), and optionally by the ``courseid``
or ``userid`` argument. Among the matching calls, it fires on every one, on the
first N, or with a probability drawn from its own seeded random source. The
rules are checked in the order they were added, and the first that fires
decides the fault. Rules come from Python (:class:`FaultRule`), from a JSON
file (``--faults``) or over HTTP (``POST /_sandbox/faults``), all in the same
shape::

    {"rules": [
        {"wsfunction": "gradereport_user_get_grade_items", "courseid": 5,
         "fault": "http_error", "status": 503, "first": 2},
        {"fault": "reset", "probability": 0.05, "seed": 7}
    ]}

With a probability, the same rules and the same order of matching calls give
the same faults. Calls served concurrently can arrive in a different order from
one run to the next.
"""

from __future__ import annotations

import random
import threading
import typing as t
from dataclasses import dataclass, fields

from moodle_sandbox.errors import KNOWN_ERRORS

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from moodle_sandbox.phpparams import PhpValue

ANY_FUNCTION = "*"

# Each fault kind with the rule fields that configure it.
FAULT_FIELDS: dict[str, frozenset[str]] = {
    "http_error": frozenset({"status"}),
    "rate_limit": frozenset({"retry_after"}),
    "maintenance": frozenset(),
    "moodle_error": frozenset({"errorcode", "exception", "message", "debuginfo"}),
    "xml_error": frozenset({"errorcode", "exception", "message", "debuginfo"}),
    "php_notice": frozenset({"level", "text"}),
    "truncated_json": frozenset({"keep_bytes", "declared_length"}),
    "empty_body": frozenset(),
    "redirect": frozenset(),
    "latency": frozenset({"seconds"}),
    "hang": frozenset({"seconds"}),
    "reset": frozenset(),
}
# Faults that replace the response, so the wsfunction does not run.
REPLACING_FAULTS = frozenset(
    {
        "http_error",
        "rate_limit",
        "maintenance",
        "moodle_error",
        "xml_error",
        "empty_body",
        "redirect",
    }
)
# Faults that change the wsfunction's response after it ran.
ALTERING_FAULTS = frozenset({"php_notice", "truncated_json"})
# Faults that end the connection without a response.
CONNECTION_FAULTS = frozenset({"hang", "reset"})
HTTP_ERROR_STATUSES = frozenset({500, 502, 503, 504})
PHP_ERROR_LEVELS = frozenset({"Notice", "Warning", "Deprecated"})
DECLARED_LENGTHS = frozenset({"truncated", "full"})
_MATCH_FIELDS = frozenset(
    {"fault", "wsfunction", "courseid", "userid", "every", "first", "probability"}
)
_TRIGGER_FIELDS = frozenset({"seed", "after"})


class FaultRuleError(ValueError):
    """A fault rule with an unknown field, a missing field or a bad value."""


@dataclass(frozen=True)
class FaultRule:
    """One fault and the calls it applies to.

    Attributes:
        fault: The kind of fault; see :data:`FAULT_FIELDS` and the README.
        wsfunction: The wsfunction to match, or ``"*"`` for any request to the
            REST endpoint, those without a wsfunction included.
        courseid: Match only calls whose ``courseid`` argument is this.
        userid: Match only calls whose ``userid`` argument is this.
        first: Fire on the first N matching calls only.
        probability: Fire on each matching call with this chance (0 to 1).
        seed: Seed of the rule's random source, for ``probability``.
        after: Let this many matching calls through before the trigger
            applies.
        status: ``http_error``: 500, 502, 503 or 504 (default 500).
        retry_after: ``rate_limit``: seconds for the ``Retry-After`` header;
            without it the response has no such header.
        errorcode: ``moodle_error`` and ``xml_error``: Moodle's error code
            (default ``invalidparameter``).
        exception: ``moodle_error`` and ``xml_error``: the PHP exception class;
            defaults to the one Moodle uses for the error code.
        message: ``moodle_error`` and ``xml_error``: the message; required for
            an error code without a known message.
        debuginfo: ``moodle_error`` and ``xml_error``: a ``debuginfo`` to send.
        level: ``php_notice``: ``Notice``, ``Warning`` (default) or
            ``Deprecated``.
        text: ``php_notice``: the PHP message.
        keep_bytes: ``truncated_json``: bytes of the response body to send,
            by default half of them.
        declared_length: ``truncated_json``: with ``truncated`` (default) the
            HTTP response is complete and its body is cut. With ``full`` the
            response declares the whole body's length, and the connection
            closes after the cut body.
        seconds: ``latency``: extra seconds before the response (not scaled);
            ``hang``: seconds before the connection closes (default: until the
            client or the server closes it).
    """

    fault: str
    wsfunction: str = ANY_FUNCTION
    courseid: int | None = None
    userid: int | None = None
    first: int | None = None
    probability: float | None = None
    seed: int = 0
    after: int = 0
    status: int | None = None
    retry_after: int | None = None
    errorcode: str | None = None
    exception: str | None = None
    message: str | None = None
    debuginfo: str | None = None
    level: str | None = None
    text: str | None = None
    keep_bytes: int | None = None
    declared_length: str | None = None
    seconds: float | None = None

    def __post_init__(self) -> None:
        """Check the fields against the fault kind."""
        if self.fault not in FAULT_FIELDS:
            msg = f"Unknown fault {self.fault!r}: use one of {sorted(FAULT_FIELDS)}"
            raise FaultRuleError(msg)
        allowed = FAULT_FIELDS[self.fault]
        for name in _OPTION_FIELDS - allowed:
            if getattr(self, name) is not None:
                msg = f"Fault '{self.fault}' does not take '{name}'"
                if allowed:
                    msg += f": it takes {sorted(allowed)}"
                raise FaultRuleError(msg)
        self._check_trigger()
        self._check_options()

    def _check_trigger(self) -> None:
        if self.first is not None and self.probability is not None:
            msg = "A fault rule takes 'first' or 'probability', not both"
            raise FaultRuleError(msg)
        if self.first is not None and self.first < 1:
            msg = f"'first' must be at least 1, got {self.first}"
            raise FaultRuleError(msg)
        if self.probability is not None and not 0 <= self.probability <= 1:
            msg = f"'probability' must be between 0 and 1, got {self.probability}"
            raise FaultRuleError(msg)
        if self.after < 0:
            msg = f"'after' must be 0 or more, got {self.after}"
            raise FaultRuleError(msg)
        if not self.wsfunction:
            msg = "'wsfunction' must be a function name or '*'"
            raise FaultRuleError(msg)

    def _check_options(self) -> None:
        if self.status is not None and self.status not in HTTP_ERROR_STATUSES:
            msg = f"'status' must be one of {sorted(HTTP_ERROR_STATUSES)}, "
            msg += f"got {self.status}"
            raise FaultRuleError(msg)
        if self.retry_after is not None and self.retry_after < 0:
            msg = f"'retry_after' must be 0 or more seconds, got {self.retry_after}"
            raise FaultRuleError(msg)
        if self.level is not None and self.level not in PHP_ERROR_LEVELS:
            msg = f"'level' must be one of {sorted(PHP_ERROR_LEVELS)}, "
            msg += f"got {self.level!r}"
            raise FaultRuleError(msg)
        if self.keep_bytes is not None and self.keep_bytes < 0:
            msg = f"'keep_bytes' must be 0 or more, got {self.keep_bytes}"
            raise FaultRuleError(msg)
        if (
            self.declared_length is not None
            and self.declared_length not in DECLARED_LENGTHS
        ):
            msg = f"'declared_length' must be one of {sorted(DECLARED_LENGTHS)}, "
            msg += f"got {self.declared_length!r}"
            raise FaultRuleError(msg)
        if self.fault == "latency" and (self.seconds is None or self.seconds <= 0):
            msg = "Fault 'latency' needs 'seconds' above 0"
            raise FaultRuleError(msg)
        if self.seconds is not None and self.seconds <= 0:
            msg = f"'seconds' must be above 0, got {self.seconds}"
            raise FaultRuleError(msg)
        if (
            self.errorcode is not None
            and self.errorcode not in KNOWN_ERRORS
            and self.message is None
        ):
            msg = f"Error code '{self.errorcode}' has no known message: give "
            msg += f"'message', or use one of {sorted(KNOWN_ERRORS)}"
            raise FaultRuleError(msg)

    @classmethod
    def from_dict(cls, data: Mapping[str, t.Any]) -> FaultRule:
        """Build a rule from its JSON form; ``"every": true`` is allowed.

        Raises:
            FaultRuleError: For an unknown field, a value of the wrong type, or
                a value the fault does not accept.
        """
        if not isinstance(data, dict):
            msg = f"A fault rule must be a JSON object, got {data!r}"
            raise FaultRuleError(msg)
        values = dict(data)
        every = values.pop("every", None)
        if every is not None and every is not True:
            msg = f"'every' can only be true, got {every!r}"
            raise FaultRuleError(msg)
        if every and ("first" in values or "probability" in values):
            msg = "A fault rule takes one of 'every', 'first' and 'probability'"
            raise FaultRuleError(msg)
        if "fault" not in values:
            msg = f"A fault rule needs 'fault', one of {sorted(FAULT_FIELDS)}"
            raise FaultRuleError(msg)
        unknown = sorted(set(values) - _FIELD_TYPES.keys())
        if unknown:
            msg = f"Unknown fault rule fields {unknown}: the fields are "
            msg += f"{sorted({*_FIELD_TYPES, 'every'})}"
            raise FaultRuleError(msg)
        for name, value in values.items():
            _check_type(name, value)
        return cls(**values)

    def to_dict(self) -> dict[str, t.Any]:
        """Return the rule's JSON form, without the fields left at their default."""
        data: dict[str, t.Any] = {"fault": self.fault, "wsfunction": self.wsfunction}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name not in data and value != item.default:
                data[item.name] = value
        if self.first is None and self.probability is None:
            data["every"] = True
        return data

    def matches(self, wsfunction: str | None, params: Mapping[str, PhpValue]) -> bool:
        """Return whether a call with this wsfunction and arguments matches."""
        if self.wsfunction not in {ANY_FUNCTION, wsfunction}:
            return False
        for name, expected in (("courseid", self.courseid), ("userid", self.userid)):
            if expected is not None and not _equals_int(params.get(name), expected):
                return False
        return True


def _equals_int(value: PhpValue | None, expected: int) -> bool:
    """Return whether a request argument is the integer ``expected``."""
    if not isinstance(value, str):
        return False
    try:
        return int(value.strip()) == expected
    except ValueError:
        return False


# The JSON type of each field; bool is excluded from int on purpose.
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "fault": (str,),
    "wsfunction": (str,),
    "courseid": (int,),
    "userid": (int,),
    "first": (int,),
    "probability": (int, float),
    "seed": (int,),
    "after": (int,),
    "status": (int,),
    "retry_after": (int,),
    "errorcode": (str,),
    "exception": (str,),
    "message": (str,),
    "debuginfo": (str,),
    "level": (str,),
    "text": (str,),
    "keep_bytes": (int,),
    "declared_length": (str,),
    "seconds": (int, float),
}
_OPTION_FIELDS = frozenset(_FIELD_TYPES) - _MATCH_FIELDS - _TRIGGER_FIELDS


def _check_type(name: str, value: object) -> None:
    expected = _FIELD_TYPES[name]
    if isinstance(value, bool) or not isinstance(value, expected):
        names = " or ".join(kind.__name__ for kind in expected)
        msg = f"Fault rule field '{name}' must be {names}, got {value!r}"
        raise FaultRuleError(msg)


def parse_rules(data: object) -> list[FaultRule]:
    """Read rules from JSON: ``{"rules": [...]}``, a list, or one rule object.

    Raises:
        FaultRuleError: If the data has another shape or a rule is invalid; the
            message names the rule's position.
    """
    if isinstance(data, dict) and "rules" in data:
        if set(data) != {"rules"}:
            msg = f"Unknown keys beside 'rules': {sorted(set(data) - {'rules'})}"
            raise FaultRuleError(msg)
        data = data["rules"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        msg = 'Fault rules must be {"rules": [...]}, a list or one rule object'
        raise FaultRuleError(msg)
    rules = []
    for position, item in enumerate(data):
        try:
            rules.append(FaultRule.from_dict(item))
        except FaultRuleError as error:
            msg = f"Fault rule {position}: {error}"
            raise FaultRuleError(msg) from None
    return rules


class _RuleState:
    """A rule with its counters and random source."""

    def __init__(self, ruleid: int, rule: FaultRule) -> None:
        self.id = ruleid
        self.rule = rule
        self.random = random.Random(rule.seed)  # noqa: S311 - test faults, not secrets
        self.matched = 0
        self.fired = 0

    def fires(self) -> bool:
        """Count a matching call and decide whether the fault applies to it."""
        self.matched += 1
        position = self.matched - self.rule.after
        if position < 1:
            return False
        if self.rule.first is not None:
            fired = position <= self.rule.first
        elif self.rule.probability is not None:
            fired = self.random.random() < self.rule.probability
        else:
            fired = True
        if fired:
            self.fired += 1
        return fired


class FaultInjector:
    """The active fault rules of a sandbox, checked in the order added."""

    def __init__(self, rules: Iterable[FaultRule] = ()) -> None:
        """Start with ``rules``, if any."""
        self._lock = threading.Lock()
        self._rules: list[_RuleState] = []
        self._next_id = 1
        self.add(rules)

    def add(self, rules: Iterable[FaultRule]) -> list[int]:
        """Append rules after the existing ones and return their ids."""
        with self._lock:
            added = []
            for rule in rules:
                self._rules.append(_RuleState(self._next_id, rule))
                added.append(self._next_id)
                self._next_id += 1
            return added

    def clear(self) -> int:
        """Remove every rule and return how many there were."""
        with self._lock:
            removed = len(self._rules)
            self._rules.clear()
            return removed

    def describe(self) -> list[dict[str, t.Any]]:
        """Return each rule's JSON form with its id and counters."""
        with self._lock:
            return [
                {
                    "id": state.id,
                    **state.rule.to_dict(),
                    "matched": state.matched,
                    "fired": state.fired,
                }
                for state in self._rules
            ]

    def pick(
        self, wsfunction: str | None, params: Mapping[str, PhpValue]
    ) -> FaultRule | None:
        """Return the first rule that fires for this call, or ``None``.

        Every rule that matches counts the call, up to the one that fires.
        """
        with self._lock:
            for state in self._rules:
                if state.rule.matches(wsfunction, params) and state.fires():
                    return state.rule
        return None
