"""
The door's access list, as the server sent it, kept on disk so a restarted agent with no network
still decides. Cards are indexed by number (a read is one dictionary lookup, whatever the size of
the list) and visitor PINs by hash.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional

from .rule import Decision, decide_from_entry, denied, hash_visitor_pin


class AccessList:
    def __init__(self, body: dict[str, Any], etag: Optional[str]) -> None:
        self.body = body
        self.etag = etag
        self.version: int = body["version"]
        self.time_zone: str = body["timeZone"]
        self.cards: dict[str, dict[str, Any]] = {c["number"]: c for c in body["cards"]}
        pins = body.get("visitorPins")
        self.visitor_hash: Optional[dict[str, Any]] = pins["hash"] if pins else None
        self.visitors: dict[str, dict[str, Any]] = {e["pinHash"]: e for e in pins["entries"]} if pins else {}
        self.visit_ids = {e["visitId"] for e in self.visitors.values()}

    def decide_card(self, number: str, instant_ms: float) -> Decision:
        return decide_from_entry(self.cards.get(number), self.time_zone, instant_ms)

    def find_visitor(self, pin: str) -> Optional[dict[str, Any]]:
        """The live visit this PIN belongs to here, if any (only an entrance door's list has them)."""
        if not self.visitor_hash:
            return None
        h = self.visitor_hash
        return self.visitors.get(hash_visitor_pin(pin, h["salt"], h["iterations"], h.get("bytes", 32)))

    def decide_visitor(self, pin: str, instant_ms: float, used: set[str]) -> tuple[Decision, Optional[str]]:
        """A visitor's PIN decided by the cards' rule; a PIN this door already let in is refused until the list drops it."""
        if not self.visitor_hash:
            return denied("zone_not_granted"), None
        entry = self.find_visitor(pin)
        if entry is None:
            return denied("unknown_card"), None
        if entry["visitId"] in used:
            return denied("expired"), entry["visitId"]
        return decide_from_entry(entry, self.time_zone, instant_ms), entry["visitId"]


def list_path(state_dir: Path) -> Path:
    return state_dir / "access-list.json"


def load_list(state_dir: Path) -> Optional[AccessList]:
    try:
        saved = json.loads(list_path(state_dir).read_text())
        return AccessList(saved["list"], saved.get("etag"))
    except FileNotFoundError:
        return None


def save_list(state_dir: Path, access_list: AccessList) -> None:
    """Written whole then renamed: a power cut leaves the old list or the new one, never half of one."""
    path = list_path(state_dir)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as f:
        json.dump({"etag": access_list.etag, "list": access_list.body}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
