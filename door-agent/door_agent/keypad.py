"""
What people type on a door's keypad, one reader at a time:

- `*` and 4 digits: a member's enrollment PIN (the seeds' "type your PIN, then present your card").
  It waits 30 seconds for a card, the server's own pairing window.
- `#` and 6 digits (or the 6 digits then `#`): a visitor's single-use PIN.

Keys more than 10 seconds apart start over. Readers send `*` and `#` as ASCII or, as the OSDP
specification has it, as 0x7F and 0x0D; some send digits as the values 0-9.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

KEY_GAP_S = 10.0
PIN_PAIRING_WINDOW_S = 30.0

_SPECIAL = {0x7F: "*", 0x2A: "*", 0x0D: "#", 0x23: "#"}


def keys_of(data: bytes) -> str:
    out = []
    for b in data:
        if b in _SPECIAL:
            out.append(_SPECIAL[b])
        elif 0x30 <= b <= 0x39:
            out.append(chr(b))
        elif 0 <= b <= 9:
            out.append(str(b))
    return "".join(out)


@dataclass
class Typed:
    """A whole entry: `kind` is "enrollment_pin" or "visitor_pin"."""

    kind: str
    pin: str


class Keypad:
    def __init__(self) -> None:
        self.buffer = ""
        self.last_key = 0.0
        self.pending_pin: Optional[str] = None
        self.pending_since = 0.0

    def feed(self, keys: str, now: float) -> list[Typed]:
        done: list[Typed] = []
        if self.buffer and now - self.last_key > KEY_GAP_S:
            self.buffer = ""
        self.last_key = now
        for key in keys:
            if key == "*":
                self.buffer = "*"
            elif key == "#":
                if len(self.buffer) == 6 and self.buffer.isdigit():
                    done.append(Typed("visitor_pin", f"#{self.buffer}"))
                    self.buffer = ""
                else:
                    self.buffer = "#"
            else:
                self.buffer += key
                if self.buffer.isdigit():
                    self.buffer = self.buffer[-6:]
                if self.buffer.startswith("*") and len(self.buffer) == 5:
                    done.append(Typed("enrollment_pin", self.buffer))
                    self.pending_pin, self.pending_since = self.buffer, now
                    self.buffer = ""
                elif self.buffer.startswith("#") and len(self.buffer) == 7:
                    done.append(Typed("visitor_pin", self.buffer))
                    self.buffer = ""
        return done

    def take_pin(self, now: float) -> Optional[str]:
        """The enrollment PIN a card presented now pairs with (used once), if typed less than 30 s ago."""
        pin, self.pending_pin = self.pending_pin, None
        if pin and now - self.pending_since <= PIN_PAIRING_WINDOW_S:
            return pin
        return None
