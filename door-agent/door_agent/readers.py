"""
The OSDP side: the agent is the control panel (libosdp's ControlPanel) for the readers and
keypads on one RS-485 line. Every reader has its own secure-channel key, and the secure channel is
enforced: a reader that cannot prove the key never comes online, so nothing it sends is believed.

What the door shows is said in OSDP commands: the lock is an output's timed pulse; "yes" is a
green LED, "no" a red LED and the buzzer.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import osdp
import serial

from .config import Config

log = logging.getLogger("door_agent.readers")


class SerialChannel(osdp.Channel):
    """One serial line shared by every reader on the bus (OSDP is multi-drop: readers answer only to their address)."""

    def __init__(self, port: serial.Serial) -> None:
        super().__init__()
        self.port = port

    def read(self, max_bytes: int) -> bytes:
        try:
            return self.port.read(max_bytes)
        except (serial.SerialException, OSError):
            return b""

    def write(self, buf: bytes) -> int:
        try:
            return self.port.write(buf) or 0
        except (serial.SerialException, OSError):
            return 0

    def flush(self) -> None:
        try:
            self.port.reset_input_buffer()
        except (serial.SerialException, OSError):
            pass


class Panel(osdp.ControlPanel):
    """
    libosdp's control panel, with two changes made where its Python wrapper allows: each event is
    queued with the instant it left libosdp (what the latency of a decision is measured from), and
    the bus is serviced every 5 ms instead of 20, so a reply or a command waits less for its turn.
    """

    @staticmethod
    def refresh(event, lock, ctx):
        while not event.is_set():
            with lock:
                ctx.refresh()
            time.sleep(REFRESH_S)

    def _internal_event_handler(self, pd, event) -> int:
        self.event_queue[pd].put((time.perf_counter(), event))
        return 0


REFRESH_S = 0.005


# libosdp leaves a reader that dropped off (a reply later than OSDP's 200 ms, a NAK while the
# secure channel is renewed) offline for 5 minutes, fixed when it is built. A door cannot wait that
# long: the agent restarts that reader's link itself, after 2 s, then 4, 8… up to a minute.
RETRY_FIRST_S = 2.0
RETRY_MAX_S = 60.0


@dataclass
class ReaderState:
    address: int
    online: bool = False
    secure_channel: bool = False
    tamper: bool = False
    power_failure: bool = False
    retry_at: Optional[float] = None
    retry_wait: float = RETRY_FIRST_S

    def view(self) -> dict:
        return {"address": self.address, "online": self.online, "secureChannel": self.secure_channel, "tamper": self.tamper, "powerFailure": self.power_failure}


# OSDP output control 5: on for the timer, then back to the permanent state (the strike relocks itself).
OUTPUT_TEMPORARY_ON = 5
# LED temporary control 2: show these colours for the timer, then go back.
LED_TEMPORARY = 2
BUZZER_DEFAULT_TONE = 2


class Bus:
    def __init__(self, config: Config, on_event: Callable[[int, dict, float], None], on_change: Callable[[], None]) -> None:
        self.config = config
        self.on_event = on_event
        # A reader going offline or reporting tamper is news for the operator now, not at the next beat.
        self.on_change = on_change
        self.port = serial.Serial(config.serial_port, baudrate=config.baud, timeout=0, write_timeout=1)
        channel = SerialChannel(self.port)
        infos = [osdp.PDInfo(r.address, channel, scbk=r.key, flags=[osdp.LibFlag.EnforceSecure]) for r in config.readers]
        self.cp = Panel(infos, log_level=osdp.LogLevel.Warning)
        self.states = {r.address: ReaderState(r.address) for r in config.readers}
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        # The main loop and the readers' threads write the states; the heartbeat reads them.
        self.states_lock = threading.Lock()

    def start(self) -> None:
        self.cp.start()
        for r in self.config.readers:
            t = threading.Thread(name=f"reader-{r.address}", target=self._events, args=(r.address,), daemon=True)
            t.start()
            self.threads.append(t)

    def _events(self, address: int) -> None:
        while not self.stopping.is_set():
            got = self.cp.get_event(address, timeout=0.2)
            if got is None:
                continue
            received, event = got
            if event.get("event") == osdp.Event.Status:
                self._status(address, event)
                continue
            try:
                self.on_event(address, event, received)
            except Exception:  # a bug must not take the reader's thread down with it
                log.exception("event from reader %s failed", address)

    def _status(self, address: int, event: dict) -> None:
        if event.get("type") != osdp.StatusReportType.Local:
            return
        report = event.get("report") or b""
        state = self.states[address]
        # OSDP's local status report: tamper, then power.
        tamper = len(report) > 0 and bool(report[0])
        power = len(report) > 1 and bool(report[1])
        with self.states_lock:
            if (tamper, power) == (state.tamper, state.power_failure):
                return
            state.tamper, state.power_failure = tamper, power
        log.warning("reader status", extra={"fields": {"reader": address, "tamper": tamper, "powerFailure": power}})
        self.on_change()

    def views(self) -> list[dict]:
        """Each reader's state as the heartbeat reports it."""
        with self.states_lock:
            return [s.view() for s in self.states.values()]

    def refresh_states(self) -> None:
        """Online and secure-channel flags as libosdp has them now; changes are logged and reported."""
        with self.states_lock:
            self._refresh_states()

    def _refresh_states(self) -> None:
        online = self.cp.status()
        secure = self.cp.sc_status()
        for i, r in enumerate(self.config.readers):
            state = self.states[r.address]
            now = (bool(online & (1 << i)), bool(secure & (1 << i)))
            if now != (state.online, state.secure_channel):
                state.online, state.secure_channel = now
                log.info("reader " + ("online" if now[0] else "offline"), extra={"fields": {"reader": r.address, "secureChannel": now[1]}})
                self.on_change()
            self._revive(state, time.monotonic())

    def _revive(self, state: ReaderState, now: float) -> None:
        """A reader offline for a while: its link restarted from the beginning (a new handshake)."""
        if state.online:
            state.retry_at, state.retry_wait = None, RETRY_FIRST_S
            return
        if state.retry_at is None:
            state.retry_at = now + state.retry_wait
            return
        if now < state.retry_at:
            return
        # libosdp takes requests at its next turn: disabled first, then enabled again (from INIT).
        if self.cp.is_pd_enabled(state.address):
            self.cp.disable_pd(state.address)
            return
        self.cp.enable_pd(state.address)
        log.info("reader reconnecting", extra={"fields": {"reader": state.address, "nextTryS": min(state.retry_wait * 2, RETRY_MAX_S)}})
        state.retry_wait = min(state.retry_wait * 2, RETRY_MAX_S)
        state.retry_at = now + state.retry_wait

    def _submit(self, address: int, command: dict) -> bool:
        try:
            return bool(self.cp.submit_command(address, command))
        except Exception:
            log.exception("command to reader %s failed", address)
            return False

    def _led(self, address: int, color: int, seconds: float) -> None:
        self._submit(address, {
            "command": osdp.Command.LED, "reader": 0, "led_number": 0, "control_code": LED_TEMPORARY, "temporary": True,
            "on_count": 10, "off_count": 0, "on_color": color, "off_color": osdp.CommandLEDColor.Black, "timer_count": min(255, int(seconds * 10)),
        })

    def _buzz(self, address: int, times: int) -> None:
        self._submit(address, {"command": osdp.Command.Buzzer, "reader": 0, "control_code": BUZZER_DEFAULT_TONE, "on_count": 2, "off_count": 1, "rep_count": times})

    def open_lock(self, address: int) -> bool:
        """The lock first (it is what the person waits for), then the reader's green light."""
        pulsed = self._submit(self.config.lock_reader, {"command": osdp.Command.Output, "output_no": self.config.lock_output, "control_code": OUTPUT_TEMPORARY_ON, "timer_count": int(self.config.lock_seconds * 10)})
        self._led(address, osdp.CommandLEDColor.Green, self.config.lock_seconds)
        return pulsed

    def refuse(self, address: int) -> None:
        self._led(address, osdp.CommandLEDColor.Red, 2)
        self._buzz(address, 3)

    def accept(self, address: int) -> None:
        """Yes without opening: an enrollment done."""
        self._led(address, osdp.CommandLEDColor.Green, 3)
        self._buzz(address, 1)

    def waiting(self, address: int, seconds: float) -> None:
        """A PIN typed: amber while the reader waits for the card."""
        self._led(address, osdp.CommandLEDColor.Amber, seconds)

    def stop(self) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join(1)
        self.cp.teardown()
        self.port.close()
