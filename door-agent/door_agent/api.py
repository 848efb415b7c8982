"""
The API as a door controller sees it: every request signed `X-Signature: t=<unix>,v1=<hex
HMAC-SHA256(secret, "<t>.<body>")>` (domain/door/signatures.ts), with short timeouts, because a
door must never wait long on the network.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any, Optional


class Unreachable(Exception):
    """No answer (network, timeout, 5xx): the door goes on deciding from its list."""


class Refused(Exception):
    """The server answered 4xx: sending it again as it is will not help."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def sign(secret: str, raw: str, at: Optional[int] = None) -> str:
    t = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{t}.{raw}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


class Api:
    def __init__(self, url: str, controller: str, secret: str, timeout: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self.controller = controller
        self.secret = secret
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None, headers: Optional[dict[str, str]] = None, timeout: Optional[float] = None) -> tuple[int, Any, dict[str, str]]:
        raw = "" if body is None else json.dumps(body, separators=(",", ":"))
        h = {"X-Door-Controller": self.controller, "X-Signature": sign(self.secret, raw), "User-Agent": "door-agent"}
        if body is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        req = urllib.request.Request(self.url + path, data=raw.encode() if body is not None else None, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as res:
                data = res.read()
                return res.status, json.loads(data) if data else None, dict(res.headers)
        except urllib.error.HTTPError as e:
            data = e.read()
            try:
                parsed = json.loads(data) if data else None
            except ValueError:
                parsed = data.decode(errors="replace")
            if e.code == 304:
                return 304, None, dict(e.headers)
            if e.code >= 500:
                raise Unreachable(f"{e.code} from the server") from e
            raise Refused(e.code, parsed) from e
        except (urllib.error.URLError, OSError, TimeoutError) as e:
            raise Unreachable(str(getattr(e, "reason", e))) from e

    def access_list(self, etag: Optional[str]) -> tuple[Optional[dict[str, Any]], Optional[str]]:
        """The door's list, or (None, etag) when unchanged since `etag`."""
        status, body, headers = self.request("GET", f"/v1/door-controllers/{self.controller}/access-list", headers={"If-None-Match": etag} if etag else None)
        if status == 304:
            return None, etag
        return body, headers.get("ETag") or headers.get("Etag")

    def upload(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        return self.request("POST", f"/v1/door-controllers/{self.controller}/events", {"events": events})[1]

    def door_event(self, event: dict[str, Any], timeout: Optional[float] = None) -> dict[str, Any]:
        return self.request("POST", "/v1/door-events", event, timeout=timeout)[1]

    def heartbeat(self, beat: dict[str, Any]) -> None:
        self.request("POST", f"/v1/door-controllers/{self.controller}/heartbeat", beat)
