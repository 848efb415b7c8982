"""
The door's memory on disk (SQLite, in the state folder):

- entry events decided and not yet uploaded. An event is written when it is decided and deleted
  only once the server has answered 200 for its batch; the server stores each event id once, so
  a batch sent again after a lost answer adds nothing. Nothing twice, nothing lost.
- a batch the server refused as malformed (400) is set aside, kept for an engineer, so one bad
  event cannot hold back every event behind it;
- the visits whose PIN this door let in while offline: single use, before the server knows.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

BATCH = 500


class Journal:
    def __init__(self, state_dir: Path) -> None:
        self.lock = threading.Lock()
        self.db = sqlite3.connect(state_dir / "journal.sqlite3", check_same_thread=False, isolation_level=None)
        self.db.execute("pragma journal_mode = wal")
        # A decided event must survive a power cut as soon as the door opened.
        self.db.execute("pragma synchronous = full")
        self.db.execute("create table if not exists entry_event (seq integer primary key autoincrement, id text unique not null, body text not null)")
        self.db.execute("create table if not exists refused_event (id text primary key, body text not null, problem text not null)")
        self.db.execute("create table if not exists used_visit (visit_id text primary key, used_at text not null)")

    def add(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.db.execute("insert or ignore into entry_event (id, body) values (?, ?)", (event["id"], json.dumps(event)))

    def batch(self, size: int = BATCH) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute("select body from entry_event order by seq limit ?", (size,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def uploaded(self, events: list[dict[str, Any]]) -> None:
        with self.lock:
            self.db.executemany("delete from entry_event where id = ?", [(e["id"],) for e in events])

    def set_aside(self, events: list[dict[str, Any]], problem: str) -> None:
        with self.lock:
            self.db.execute("begin")
            self.db.executemany("insert or replace into refused_event (id, body, problem) values (?, ?, ?)", [(e["id"], json.dumps(e), problem) for e in events])
            self.db.executemany("delete from entry_event where id = ?", [(e["id"],) for e in events])
            self.db.execute("commit")

    def queued(self) -> int:
        with self.lock:
            return self.db.execute("select count(*) from entry_event").fetchone()[0]

    def refused(self) -> int:
        with self.lock:
            return self.db.execute("select count(*) from refused_event").fetchone()[0]

    def used_visits(self) -> set[str]:
        with self.lock:
            return {r[0] for r in self.db.execute("select visit_id from used_visit")}

    def use_visit(self, visit_id: str, at: str) -> None:
        with self.lock:
            self.db.execute("insert or ignore into used_visit (visit_id, used_at) values (?, ?)", (visit_id, at))

    def forget_visits(self, live: set[str]) -> None:
        """A visit the list no longer carries cannot open anything: its memory can go."""
        with self.lock:
            for (visit_id,) in self.db.execute("select visit_id from used_visit").fetchall():
                if visit_id not in live:
                    self.db.execute("delete from used_visit where visit_id = ?", (visit_id,))

    def close(self) -> None:
        with self.lock:
            self.db.close()
