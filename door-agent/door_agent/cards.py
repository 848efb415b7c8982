"""
What a reader reports of a card, as the card number the operator's stock holds.

- ASCII (readers that send the number as text): the text itself, e.g. `C0001`.
- 26-bit Wiegand (H10301, the most common format): `<facility code>-<card number>`, e.g.
  `123-45678`, the two numbers printed on such cards; a read whose parity bits are wrong is no card.
- Any other raw format: `W<bit count>-<hex>`, e.g. `W34-0a1b2c3d0`, so it still matches a stock
  entry written the same way.
"""
from __future__ import annotations

from typing import Optional

import osdp


def _bits(data: bytes, length: int) -> list[int]:
    return [(data[i // 8] >> (7 - i % 8)) & 1 for i in range(length)]


def wiegand26(facility: int, number: int) -> bytes:
    """A 26-bit H10301 frame, left-aligned in 4 bytes: even parity, 8-bit facility, 16-bit number, odd parity."""
    if not (0 <= facility < 256 and 0 <= number < 65536):
        raise ValueError("facility 0-255, number 0-65535")
    payload = [(facility >> (7 - i)) & 1 for i in range(8)] + [(number >> (15 - i)) & 1 for i in range(16)]
    even = sum(payload[:12]) % 2
    odd = 1 - sum(payload[12:]) % 2
    bits = [even] + payload + [odd]
    value = int("".join(map(str, bits)), 2) << 6
    return value.to_bytes(4, "big")


def card_number(event: dict) -> Optional[str]:
    """The card number of an OSDP card-read event, or None for a read that is not a card."""
    data: bytes = event.get("data") or b""
    fmt = event.get("format")
    if fmt == osdp.CardFormat.ASCII:
        text = data.decode("ascii", errors="replace").strip()
        return text or None
    length = event.get("length") or len(data) * 8
    if length > len(data) * 8 or length == 0:
        return None
    bits = _bits(data, length)
    if length == 26:
        if sum(bits[:13]) % 2 != 0 or sum(bits[13:]) % 2 != 1:
            return None
        facility = int("".join(map(str, bits[1:9])), 2)
        number = int("".join(map(str, bits[9:25])), 2)
        return f"{facility}-{number}"
    return f"W{length}-{int(''.join(map(str, bits)), 2):x}"
