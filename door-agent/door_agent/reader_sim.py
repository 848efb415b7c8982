"""
Readers and keypads without hardware: libosdp's own peripheral-device side, on a pseudo-terminal
(what a USB RS-485 adapter looks like to the agent), several readers on the one line as on a real
multi-drop bus. The tests and the bench drive it; so can anyone trying the agent on a laptop.

    python -m door_agent.reader_sim --reader 101:<32 hex key> [--reader 102:<key>]

It prints one JSON line per happening: {"port": "/dev/pts/N"} first (SERIAL_PORT for the agent),
then {"reader", "online", "secureChannel"} when a reader's link changes, and {"reader",
"kind", "color", "command", "sinceCardMs"} for each command the agent sends: `kind` is output
(the lock), led (with its colour) or buzzer.
It reads JSON lines on stdin: {"reader": 101, "card": "123-45678"} (26-bit Wiegand; any other text
is sent as an ASCII card), {"reader": 101, "keys": "*1234"}, {"reader": 101, "tamper": true}.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
import tty

import osdp

from .cards import wiegand26

CAPABILITIES = osdp.PDCapabilities([
    (osdp.Capability.CardDataFormat, 1, 1),
    (osdp.Capability.Readers, 1, 1),
    (osdp.Capability.OutputControl, 1, 1),
    (osdp.Capability.LEDControl, 1, 1),
    (osdp.Capability.AudibleControl, 1, 1),
    (osdp.Capability.CommunicationSecurity, 1, 1),
])

out_lock = threading.Lock()
COMMANDS = {osdp.Command.Output: "output", osdp.Command.LED: "led", osdp.Command.Buzzer: "buzzer"}
COLORS = {v: k.lower() for k, v in vars(osdp.CommandLEDColor).items() if not k.startswith("_")}


class Reader(osdp.PeripheralDevice):
    """A reader's firmware answers within milliseconds: serviced every 5 ms, not the wrapper's 20."""

    @staticmethod
    def refresh(event, lock, ctx):
        while not event.is_set():
            with lock:
                ctx.refresh()
            time.sleep(0.005)


def say(line: dict) -> None:
    with out_lock:
        sys.stdout.write(json.dumps(line, default=lambda b: b.hex() if isinstance(b, bytes) else str(b)) + "\n")
        sys.stdout.flush()


class Line:
    """The pseudo-terminal's master side: what the agent writes reaches every reader, as on RS-485."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.port = os.ttyname(self.slave)
        self.buffers: list[bytearray] = []
        self.lock = threading.Lock()

    def channel(self) -> "DropChannel":
        buffer = bytearray()
        self.buffers.append(buffer)
        return DropChannel(self, buffer)

    def pump(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                data = os.read(self.master, 4096)
            except BlockingIOError:
                time.sleep(0.002)
                continue
            except OSError:
                time.sleep(0.01)
                continue
            with self.lock:
                for b in self.buffers:
                    b.extend(data)


class DropChannel(osdp.Channel):
    def __init__(self, line: Line, buffer: bytearray) -> None:
        super().__init__()
        self.line = line
        self.buffer = buffer

    def read(self, max_bytes: int) -> bytes:
        with self.line.lock:
            data = bytes(self.buffer[:max_bytes])
            del self.buffer[:max_bytes]
        return data

    def write(self, buf: bytes) -> int:
        with self.line.lock:
            try:
                return os.write(self.line.master, buf)
            except BlockingIOError:
                return 0

    def flush(self) -> None:
        with self.line.lock:
            self.buffer.clear()


def main() -> int:
    parser = argparse.ArgumentParser(prog="reader_sim")
    parser.add_argument("--reader", action="append", required=True, help="ADDRESS:KEY (32 hex digits)")
    args = parser.parse_args()
    line = Line()
    stopping = threading.Event()
    pds: dict[int, osdp.PeripheralDevice] = {}
    last_card: dict[int, float] = {}
    for spec in args.reader:
        address, key = spec.split(":")
        info = osdp.PDInfo(int(address), line.channel(), scbk=bytes.fromhex(key), flags=[osdp.LibFlag.EnforceSecure])
        pds[int(address)] = Reader(info, CAPABILITIES, log_level=osdp.LogLevel.Error)
    threading.Thread(target=line.pump, args=(stopping,), daemon=True).start()
    for pd in pds.values():
        pd.start()
    say({"port": line.port})

    def commands(address: int, pd: osdp.PeripheralDevice) -> None:
        while not stopping.is_set():
            command = pd.get_command(timeout=0.2)
            if command is not None:
                since = (time.perf_counter() - last_card[address]) * 1000 if address in last_card else None
                kind = COMMANDS.get(command.get("command"), "other")
                color = COLORS.get(command.get("on_color")) if kind == "led" else None
                say({"reader": address, "kind": kind, "color": color, "command": command, "sinceCardMs": since})

    def links() -> None:
        known: dict[int, tuple[bool, bool]] = {}
        while not stopping.is_set():
            for address, pd in pds.items():
                now = (bool(pd.is_online()), bool(pd.is_sc_active()))
                if known.get(address) != now:
                    known[address] = now
                    say({"reader": address, "online": now[0], "secureChannel": now[1]})
            time.sleep(0.05)

    for address, pd in pds.items():
        threading.Thread(target=commands, args=(address, pd), daemon=True).start()
    threading.Thread(target=links, daemon=True).start()

    for text in sys.stdin:
        if not text.strip():
            continue
        ask = json.loads(text)
        address = int(ask["reader"])
        pd = pds[address]
        if "card" in ask:
            card = str(ask["card"])
            wiegand = re.fullmatch(r"(\d{1,3})-(\d{1,5})", card)
            if wiegand:
                event = {"event": osdp.Event.CardRead, "reader_no": 0, "format": osdp.CardFormat.Wiegand, "direction": 0, "length": 26, "data": wiegand26(int(wiegand[1]), int(wiegand[2]))}
            else:
                event = {"event": osdp.Event.CardRead, "reader_no": 0, "format": osdp.CardFormat.ASCII, "direction": 0, "data": card.encode()}
            last_card[address] = time.perf_counter()
            pd.submit_event(event)
        elif "keys" in ask:
            pd.submit_event({"event": osdp.Event.KeyPress, "reader_no": 0, "data": str(ask["keys"]).encode()})
        elif "tamper" in ask or "power" in ask:
            pd.submit_event({"event": osdp.Event.Status, "type": osdp.StatusReportType.Local, "report": bytes([int(bool(ask.get("tamper"))), int(bool(ask.get("power")))])})
    stopping.set()
    for pd in pds.values():
        pd.teardown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
