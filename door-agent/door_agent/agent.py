"""
The agent's life: the readers' threads decide at the door; one thread talks to the server —
the list every few seconds (If-None-Match), queued entry events as soon as there are some, a
heartbeat every 30 seconds and at once when a reader changes — and says once when the server
stops answering and once when it is back. SIGTERM stops the readers, tries a last upload, and
closes the journal.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Optional

from . import VERSION
from .access_list import AccessList, load_list, save_list
from .api import Api, Refused, Unreachable
from .config import Config
from .door import Door, iso
from .journal import Journal
from .readers import Bus
from .uploads import drain

log = logging.getLogger("door_agent")


class Agent:
    def __init__(self, config: Config) -> None:
        self.config = config
        config.state_dir.mkdir(parents=True, exist_ok=True)
        self.journal = Journal(config.state_dir)
        self.api = Api(config.url, config.controller, config.secret)
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self.beat_now = threading.Event()
        self.sync_lock = threading.Lock()
        self.reachable: Optional[bool] = None
        saved = load_list(config.state_dir)
        self.door = Door(self.api, self.journal, saved, sync_now=self.sync, uploaded_soon=self.wake.set)
        self.bus = Bus(config, self.door.on_event, on_change=self._reader_changed)
        self.door.outputs = self.bus
        log.info("starting", extra={"fields": {
            "version": VERSION, "controller": config.controller, "serialPort": config.serial_port, "baud": config.baud,
            "readers": [r.address for r in config.readers], "listVersion": saved.version if saved else None, "queuedEvents": self.journal.queued(),
        }})

    # ---- the server

    def _answered(self, ok: bool, error: str = "") -> None:
        if ok and self.reachable is not True:
            log.info("server answers", extra={"fields": {"url": self.config.url}})
        elif not ok and self.reachable is not False:
            current = self.door.list
            log.warning("server unreachable: deciding from the list on disk", extra={"fields": {"url": self.config.url, "error": error, "listVersion": current.version if current else None}})
        self.reachable = ok

    def sync(self) -> None:
        with self.sync_lock:
            current = self.door.list
            try:
                body, etag = self.api.access_list(current.etag if current else None)
            except Unreachable as e:
                self._answered(False, str(e))
                return
            except Refused as e:
                log.error("access list refused: check DOOR_CONTROLLER_ID, DOOR_CONTROLLER_SECRET and the clock", extra={"fields": {"status": e.status, "problem": e.body}})
                return
            self._answered(True)
            if body is None:
                return
            fresh = AccessList(body, etag)
            save_list(self.config.state_dir, fresh)
            self.door.list = fresh
            self.journal.forget_visits(fresh.visit_ids)
            log.info("access list", extra={"fields": {"listVersion": fresh.version, "cards": len(fresh.cards), "visitorPins": len(fresh.visitors)}})

    def upload(self) -> None:
        sent, stopped = drain(self.journal, self.api.upload, self.stopping.is_set)
        if stopped and stopped.startswith("unreachable"):
            self._answered(False, stopped)
        elif sent:
            self._answered(True)

    def heartbeat(self) -> None:
        # Cleared before the states are read: a change after this read asks for another beat.
        self.beat_now.clear()
        current = self.door.list
        readers = self.bus.views()
        try:
            self.api.heartbeat({
                "agentVersion": VERSION,
                "listVersion": current.version if current else None,
                "queuedEvents": self.journal.queued(),
                "readers": readers,
                "occurredAt": iso(time.time() * 1000),
            })
            self._answered(True)
        except Unreachable as e:
            self._answered(False, str(e))
        except Refused as e:
            log.error("heartbeat refused", extra={"fields": {"status": e.status, "problem": e.body}})

    def _reader_changed(self) -> None:
        self.beat_now.set()
        self.wake.set()

    def _server_loop(self) -> None:
        c = self.config
        next_sync = next_upload = next_beat = 0.0
        while not self.stopping.is_set():
            now = time.monotonic()
            if now >= next_sync:
                self.sync()
                next_sync = time.monotonic() + c.sync_seconds
            if now >= next_upload or self.wake.is_set():
                self.wake.clear()
                self.upload()
                next_upload = time.monotonic() + c.upload_seconds
            if now >= next_beat or self.beat_now.is_set():
                self.heartbeat()
                next_beat = time.monotonic() + c.heartbeat_seconds
            self.wake.wait(max(0.0, min(next_sync, next_upload, next_beat) - time.monotonic()))

    # ---- life

    def run(self) -> None:
        self.bus.start()
        server = threading.Thread(name="server", target=self._server_loop, daemon=True)
        server.start()
        while not self.stopping.wait(0.5):
            self.bus.refresh_states()
        server.join(10)

    def stop(self) -> None:
        """Readers first (no new decisions), then one last upload, then the journal."""
        if self.stopping.is_set():
            return
        log.info("stopping")
        self.stopping.set()
        self.wake.set()

    def close(self) -> None:
        self.bus.stop()
        self.upload()
        queued = self.journal.queued()
        self.journal.close()
        log.info("stopped", extra={"fields": {"queuedEvents": queued}})
