"""
"May this card open this door now?", decided from the door's access list alone.

A line-for-line port of `decideFromEntry` in domain/access/decide.ts (and `localMoment`, `isOpen`
in domain/access/schedule.ts): the server compiles each card's windows, the door only checks an
instant against them, so both sides decide alike whether the server answers or not.
test/access-property.test.ts compares the two on random (card, door, instant) triples.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Optional
from zoneinfo import ZoneInfo

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_MINUTES = 1440
WEEK_MINUTES = 7 * DAY_MINUTES

Decision = dict[str, Any]
GRANTED: Decision = {"granted": True}


def denied(reason: str) -> Decision:
    return {"granted": False, "reason": reason}


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@lru_cache(maxsize=4096)
def parse_instant(text: str) -> int:
    """An ISO instant (`2027-01-04T06:30:00.000Z`) as whole milliseconds since the epoch, as JavaScript's Date.parse."""
    return (datetime.fromisoformat(text.replace("Z", "+00:00")) - EPOCH) // timedelta(milliseconds=1)


@lru_cache(maxsize=32)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_moment(instant_ms: float, time_zone: str) -> tuple[str, int]:
    """The wall clock at the site: its date (YYYY-MM-DD) and the minute of its week from Monday 00:00."""
    at = datetime.fromtimestamp(instant_ms // 1000, tz=timezone.utc).astimezone(_zone(time_zone))
    return at.strftime("%Y-%m-%d"), at.weekday() * DAY_MINUTES + at.hour * 60 + at.minute


def _minutes(time: str) -> int:
    return DAY_MINUTES if time == "24:00" else int(time[0:2]) * 60 + int(time[3:5])


def in_windows(windows: list[dict[str, Any]], minute_of_week: int) -> bool:
    for w in windows:
        for day in w["days"]:
            start = DAYS.index(day) * DAY_MINUTES + _minutes(w["from"])
            end = DAYS.index(day) * DAY_MINUTES + _minutes(w["to"]) + (DAY_MINUTES if w.get("overnight") else 0)
            # Sunday night into Monday morning wraps to the week's start.
            if end > WEEK_MINUTES:
                if minute_of_week >= start or minute_of_week < end - WEEK_MINUTES:
                    return True
            elif start <= minute_of_week < end:
                return True
    return False


def decide_from_entry(entry: Optional[dict[str, Any]], time_zone: str, instant_ms: float) -> Decision:
    """The door's decision from its list (`entry` None: the card is not on it)."""
    if entry is None:
        return denied("unknown_card")
    if entry.get("validFrom") and instant_ms < parse_instant(entry["validFrom"]):
        return denied("not_yet_valid")
    if entry.get("validUntil") and instant_ms >= parse_instant(entry["validUntil"]):
        return denied("expired")
    date, minute_of_week = local_moment(instant_ms, time_zone)
    if entry.get("dates") is not None and date not in entry["dates"]:
        return denied("not_a_pass_date")
    if date in entry["closures"]:
        return denied("closed")
    if not in_windows(entry["windows"], minute_of_week):
        return denied("outside_hours")
    return GRANTED


def hash_visitor_pin(pin: str, salt: str, iterations: int, length: int) -> str:
    """A visitor PIN's hash as the list carries it: PBKDF2-SHA256 over its six digits, the site's salt."""
    digits = pin[1:] if pin.startswith("#") else pin
    return hashlib.pbkdf2_hmac("sha256", digits.encode(), salt.encode(), iterations, length).hex()
