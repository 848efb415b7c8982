"""
The decisions at the door, one per card read or PIN typed, on the reader's own thread:

- a card: decided from the list on disk with the server's rule (never waiting for the network),
  the lock pulsed or the red light shown, then the decision journaled for upload;
- `*PIN` then a card: the enrollment goes to the server (only it knows pending PINs), and a card
  it grants is fetched into the list at once, so the next read opens;
- a visitor's `#PIN`: the server decides when it answers within 2 seconds (it uses the PIN up for
  every door of the site and counts wrong PINs in the site's lockout); otherwise the list decides,
  the door remembers the PIN as used, and the upload uses it up on the server.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from datetime import datetime, timezone
from typing import Any, Callable, Optional, Protocol

import osdp

from .access_list import AccessList
from .api import Api, Refused, Unreachable
from .cards import card_number
from .journal import Journal
from .keypad import PIN_PAIRING_WINDOW_S, Keypad, keys_of
from .rule import Decision, denied

log = logging.getLogger("door_agent.door")

VISITOR_ONLINE_TIMEOUT_S = 2.0
# The server's own lockout (domain/door/door-events.ts), kept by the door while it is on its own.
OFFLINE_PIN_FAILURES = 5
OFFLINE_PIN_WINDOW_S = 600


class Outputs(Protocol):
    def open_lock(self, address: int) -> bool: ...
    def refuse(self, address: int) -> None: ...
    def accept(self, address: int) -> None: ...
    def waiting(self, address: int, seconds: float) -> None: ...


def iso(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def entry_event(who: dict[str, str], at_ms: float, decision: Decision) -> dict[str, Any]:
    """What the door uploads: about a card, or (a visitor's PIN) its visit; the PIN never leaves the door."""
    event: dict[str, Any] = {"id": str(uuid.uuid4()), "type": "granted" if decision["granted"] else "denied", **who, "at": iso(at_ms)}
    if not decision["granted"]:
        event["reason"] = decision["reason"]
    return event


class Door:
    def __init__(self, api: Api, journal: Journal, access_list: Optional[AccessList], sync_now: Callable[[], None], uploaded_soon: Callable[[], None]) -> None:
        self.api = api
        self.journal = journal
        self.list = access_list
        self.sync_now = sync_now
        self.uploaded_soon = uploaded_soon
        self.outputs: Optional[Outputs] = None
        self.keypads: dict[int, Keypad] = {}
        self.pin_failures: deque[float] = deque()
        self.lock = threading.Lock()

    # ---- from the readers

    def on_event(self, address: int, event: dict[str, Any], received: Optional[float] = None) -> None:
        """`received`: when libosdp handed the event over (time.perf_counter()), what a decision's latency counts from."""
        kind = event.get("event")
        keypad = self.keypads.setdefault(address, Keypad())
        if kind == osdp.Event.KeyPress:
            for typed in keypad.feed(keys_of(event.get("data") or b""), time.monotonic()):
                if typed.kind == "enrollment_pin":
                    self.outputs.waiting(address, PIN_PAIRING_WINDOW_S)
                else:
                    self.visitor(address, typed.pin)
        elif kind == osdp.Event.CardRead:
            number = card_number(event)
            if number is None:
                log.info("unreadable card", extra={"fields": {"reader": address}})
                self.outputs.refuse(address)
                return
            pin = keypad.take_pin(time.monotonic())
            if pin:
                self.enroll(address, pin, number)
            else:
                self.card(address, number, received)

    # ---- a card

    def card(self, address: int, number: str, received: Optional[float] = None) -> Decision:
        started = received or time.perf_counter()
        at = time.time() * 1000
        current = self.list
        decision = current.decide_card(number, at) if current else denied("unknown_card")
        if decision["granted"]:
            self.outputs.open_lock(address)
        else:
            self.outputs.refuse(address)
        decided_ms = (time.perf_counter() - started) * 1000
        self.journal.add(entry_event({"cardNumber": number}, at, decision))
        self.uploaded_soon()
        log.info("card " + ("granted" if decision["granted"] else "denied"), extra={"fields": {
            "reader": address, "cardNumber": number, "decision": "granted" if decision["granted"] else "denied",
            "reason": decision.get("reason"), "listVersion": current.version if current else None, "decidedMs": round(decided_ms, 3),
        }})
        return decision

    # ---- enrollment

    def enroll(self, address: int, pin: str, number: str) -> None:
        try:
            answer = self.api.door_event({"type": "pin_entered", "pin": pin, "cardNumber": number, "occurredAt": iso(time.time() * 1000)})
        except Unreachable as e:
            log.warning("enrollment needs the server, which does not answer", extra={"fields": {"reader": address, "cardNumber": number, "error": str(e)}})
            self.outputs.refuse(address)
            return
        except Refused as e:
            log.warning("enrollment refused", extra={"fields": {"reader": address, "cardNumber": number, "status": e.status, "problem": _code(e.body)}})
            self.outputs.refuse(address)
            return
        enrolled = answer.get("decision") == "enrolled"
        log.info("card " + ("enrolled" if enrolled else "not enrolled"), extra={"fields": {"reader": address, "cardNumber": number, "decision": answer.get("decision"), "access": answer.get("access"), "reason": answer.get("reason")}})
        if not enrolled:
            self.outputs.refuse(address)
            return
        self.outputs.accept(address)
        # Granted now means on this door's list now: fetch it rather than wait for the next sync.
        if answer.get("access") == "granted":
            self.sync_now()

    # ---- a visitor's PIN

    def _locked_out(self, now: float) -> bool:
        while self.pin_failures and now - self.pin_failures[0] > OFFLINE_PIN_WINDOW_S:
            self.pin_failures.popleft()
        return len(self.pin_failures) >= OFFLINE_PIN_FAILURES

    def visitor(self, address: int, pin: str) -> None:
        try:
            answer = self.api.door_event({"type": "visitor_pin", "pin": pin, "occurredAt": iso(time.time() * 1000)}, timeout=VISITOR_ONLINE_TIMEOUT_S)
            opened = answer.get("decision") == "opened"
            log.info("visitor PIN " + ("opened" if opened else "refused"), extra={"fields": {"reader": address, "decidedBy": "server"}})
            # The server recorded it (and used the PIN up): nothing to upload.
            if opened:
                self.outputs.open_lock(address)
            else:
                self.outputs.refuse(address)
            return
        except Refused as e:
            log.info("visitor PIN refused", extra={"fields": {"reader": address, "decidedBy": "server", "status": e.status, "problem": _code(e.body)}})
            self.outputs.refuse(address)
            return
        except Unreachable:
            pass
        with self.lock:
            now = time.monotonic()
            if self._locked_out(now):
                log.warning("visitor PIN refused: too many wrong PINs", extra={"fields": {"reader": address, "decidedBy": "door"}})
                self.outputs.refuse(address)
                return
            at = time.time() * 1000
            current = self.list
            decision, visit_id = current.decide_visitor(pin, at, self.journal.used_visits()) if current else (denied("unknown_card"), None)
            if visit_id is None:
                self.pin_failures.append(now)
            if decision["granted"]:
                self.journal.use_visit(visit_id, iso(at))
                self.outputs.open_lock(address)
            else:
                self.outputs.refuse(address)
        log.info("visitor PIN " + ("opened" if decision["granted"] else "refused"), extra={"fields": {"reader": address, "decidedBy": "door", "visitId": visit_id, "reason": decision.get("reason")}})
        # An unknown PIN names no visit: there is nothing to upload.
        if visit_id:
            self.journal.add(entry_event({"visitId": visit_id}, at, decision))
            self.uploaded_soon()


def _code(body: Any) -> Any:
    return body.get("code") or body.get("type") if isinstance(body, dict) else body
