"""Business hours: "mon-fri 08:00-20:00, sat 09:00-13:00" in a named time zone.

"24/7" (or "always") means always open. A day not listed is closed. Ranges may not cross midnight.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_PART = re.compile(
    r"^(?P<d1>[a-z]{3})(?:\s*-\s*(?P<d2>[a-z]{3}))?\s+(?P<t1>\d{1,2}:\d{2})\s*-\s*(?P<t2>\d{1,2}:\d{2})$"
)


def _parse_time(raw: str) -> time:
    hours, minutes = (int(x) for x in raw.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    return time(hours, minutes)


@dataclass(frozen=True)
class BusinessHours:
    timezone: ZoneInfo
    # weekday index (0 = Monday) -> list of (open, close) local times
    windows: dict[int, list[tuple[time, time]]]
    always_open: bool = False

    @classmethod
    def parse(cls, spec: str, timezone: str) -> BusinessHours:
        zone = ZoneInfo(timezone)
        spec = spec.strip().lower()
        if spec in {"24/7", "always", ""}:
            return cls(timezone=zone, windows={}, always_open=True)
        windows: dict[int, list[tuple[time, time]]] = {}
        for part in (p.strip() for p in spec.split(",")):
            match = _PART.match(part)
            if not match or match["d1"] not in DAYS or (match["d2"] and match["d2"] not in DAYS):
                raise ValueError(f"Cannot read business hours part {part!r} (expected e.g. 'mon-fri 08:00-20:00')")
            first = DAYS.index(match["d1"])
            last = DAYS.index(match["d2"]) if match["d2"] else first
            opens, closes = _parse_time(match["t1"]), _parse_time(match["t2"])
            if closes <= opens:
                raise ValueError(f"Business hours part {part!r} closes before it opens")
            day = first
            while True:
                windows.setdefault(day, []).append((opens, closes))
                if day == last:
                    break
                day = (day + 1) % 7
        return cls(timezone=zone, windows=windows)

    def is_open(self, moment: datetime) -> bool:
        if self.always_open:
            return True
        local = moment.astimezone(self.timezone)
        return any(opens <= local.time() < closes for opens, closes in self.windows.get(local.weekday(), []))

    def next_opening(self, moment: datetime) -> datetime | None:
        """The next moment the service opens (``moment`` itself if open now); None if never."""
        if self.is_open(moment):
            return moment
        if not self.windows:
            return None
        local = moment.astimezone(self.timezone)
        for offset in range(0, 8):
            day = (local + timedelta(days=offset)).date()
            for opens, _closes in sorted(self.windows.get(day.weekday(), [])):
                candidate = datetime.combine(day, opens, tzinfo=self.timezone)
                if candidate > local:
                    return candidate
        return None
