"""
Entry events to the server, oldest first, in batches of 500. A batch leaves the journal only once
the server answered 200 for it; an answer lost on the way means the batch is sent again, and the
server, which stores each event id once, counts it as duplicates. Nothing twice, nothing lost.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from .api import Refused, Unreachable
from .journal import Journal

log = logging.getLogger("door_agent.uploads")


def drain(journal: Journal, send: Callable[[list[dict[str, Any]]], dict[str, Any]], stopping: Callable[[], bool] = lambda: False) -> tuple[int, str | None]:
    """Uploads until the journal is empty or the server stops answering: (events uploaded, why it stopped early)."""
    sent = 0
    while True:
        batch = journal.batch()
        if not batch:
            return sent, None
        try:
            answer = send(batch)
        except Unreachable as e:
            return sent, f"unreachable: {e}"
        except Refused as e:
            if e.status == 400:
                # One malformed batch must not hold back every event behind it: set aside, on disk.
                journal.set_aside(batch, str(e.body))
                log.error("entry events refused as malformed: set aside in the journal", extra={"fields": {"events": len(batch), "problem": e.body}})
                continue
            log.error("entry events refused: check the controller's secret and clock", extra={"fields": {"status": e.status, "problem": e.body}})
            return sent, f"refused: {e.status}"
        journal.uploaded(batch)
        sent += len(batch)
        log.info("entry events uploaded", extra={"fields": {"events": len(batch), "stored": (answer or {}).get("stored"), "duplicates": (answer or {}).get("duplicates"), "queuedEvents": journal.queued()}})
        if stopping():
            return sent, "stopping"
