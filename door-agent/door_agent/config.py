"""
The agent's configuration: the file the operator's console downloads for a door controller
(`PUBLIC_URL`, `DOOR_CONTROLLER_ID`, `DOOR_CONTROLLER_SECRET`) plus the wiring at the door. Read
once at start; the environment overrides the file; a bad value stops the agent naming the
variable, before it touches the serial port.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlparse

BAUDS = (9600, 19200, 38400, 57600, 115200, 230400)


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Reader:
    address: int
    key: bytes


@dataclass(frozen=True)
class Config:
    url: str
    controller: str
    secret: str
    serial_port: str
    baud: int
    readers: tuple[Reader, ...]
    lock_reader: int
    lock_output: int
    lock_seconds: float
    sync_seconds: float
    heartbeat_seconds: float
    upload_seconds: float
    state_dir: Path
    log_level: str


def read_env_file(path: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ConfigError(f"{path}:{n}: expected NAME=value")
        name, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, not {raw}")
    return value


def _key(env: Mapping[str, str], address: int) -> bytes:
    name = f"READER_{address}_KEY"
    raw = env.get(name) or env.get("READER_KEY") or ""
    if not raw:
        raise ConfigError(f"{name} (or READER_KEY) is missing: the reader's secure-channel key, 32 hex digits (the secure channel is always on)")
    if not re.fullmatch(r"[0-9a-fA-F]{32}", raw):
        raise ConfigError(f"{name if env.get(name) else 'READER_KEY'} must be 32 hex digits (an AES-128 key)")
    return bytes.fromhex(raw)


def load_config(path: Optional[str], environ: Mapping[str, str] = os.environ) -> Config:
    env: dict[str, str] = read_env_file(path) if path else {}
    env.update({k: v for k, v in environ.items() if k in KNOWN or re.fullmatch(r"READER_\d+_KEY", k)})

    url = env.get("PUBLIC_URL", "")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"PUBLIC_URL must be the API's address, e.g. https://onboarding.example.com, not {url!r}")
    controller = env.get("DOOR_CONTROLLER_ID", "")
    if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", controller):
        raise ConfigError("DOOR_CONTROLLER_ID must be the controller's id (a UUID), as the console gave it")
    secret = env.get("DOOR_CONTROLLER_SECRET", "")
    if not secret:
        raise ConfigError("DOOR_CONTROLLER_SECRET is missing: the secret shown once when the controller was added")
    serial_port = env.get("SERIAL_PORT", "")
    if not serial_port:
        raise ConfigError("SERIAL_PORT is missing: the RS-485 adapter, e.g. /dev/ttyUSB0")
    baud = int(_number(env, "SERIAL_BAUD", 9600, 1200, 1_000_000))
    if baud not in BAUDS:
        raise ConfigError(f"SERIAL_BAUD must be one of {', '.join(map(str, BAUDS))} (the readers' setting)")
    raw_readers = env.get("READERS", "0")
    try:
        addresses = [int(a) for a in raw_readers.split(",") if a.strip()]
    except ValueError:
        raise ConfigError(f"READERS must be OSDP addresses (0-126) separated by commas, not {raw_readers!r}") from None
    if not addresses or any(not 0 <= a <= 126 for a in addresses) or len(set(addresses)) != len(addresses):
        raise ConfigError(f"READERS must be distinct OSDP addresses (0-126) separated by commas, not {raw_readers!r}")
    readers = tuple(Reader(a, _key(env, a)) for a in addresses)
    lock_reader = int(_number(env, "LOCK_READER", addresses[0], 0, 126))
    if lock_reader not in addresses:
        raise ConfigError(f"LOCK_READER must be one of READERS ({raw_readers}): the reader whose output drives the lock")
    state_dir = Path(env.get("STATE_DIR") or environ.get("STATE_DIRECTORY") or "/var/lib/door-agent")
    level = env.get("LOG_LEVEL", "info").lower()
    if level not in ("debug", "info", "warning", "error"):
        raise ConfigError("LOG_LEVEL must be debug, info, warning or error")
    return Config(
        url=url.rstrip("/"),
        controller=controller,
        secret=secret,
        serial_port=serial_port,
        baud=baud,
        readers=readers,
        lock_reader=lock_reader,
        lock_output=int(_number(env, "LOCK_OUTPUT", 0, 0, 255)),
        lock_seconds=_number(env, "LOCK_SECONDS", 5, 0.1, 60),
        sync_seconds=_number(env, "SYNC_SECONDS", 5, 0.5, 3600),
        heartbeat_seconds=_number(env, "HEARTBEAT_SECONDS", 30, 1, 600),
        upload_seconds=_number(env, "UPLOAD_SECONDS", 2, 0.2, 3600),
        state_dir=state_dir,
        log_level=level,
    )


KNOWN = {
    "PUBLIC_URL", "DOOR_CONTROLLER_ID", "DOOR_CONTROLLER_SECRET", "SERIAL_PORT", "SERIAL_BAUD", "READERS", "READER_KEY",
    "LOCK_READER", "LOCK_OUTPUT", "LOCK_SECONDS", "SYNC_SECONDS", "HEARTBEAT_SECONDS", "UPLOAD_SECONDS", "STATE_DIR", "LOG_LEVEL",
}
