"""
door-agent [--config FILE]                 run at the door (the service)
door-agent check --list FILE [--card N --at T]
                                           decide from a saved list, offline: one card, or JSON
                                           lines {"card", "at"} on stdin (what the tests compare
                                           with the server's decisions)
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys

from . import VERSION
from .access_list import AccessList
from .config import ConfigError, load_config
from .rule import parse_instant


def check(args: argparse.Namespace) -> int:
    with open(args.list) as f:
        saved = json.load(f)
    body = saved.get("list", saved)
    access = AccessList(body, saved.get("etag"))
    if args.card:
        print(json.dumps(access.decide_card(args.card, parse_instant(args.at))))
        return 0
    for line in sys.stdin:
        if line.strip():
            ask = json.loads(line)
            print(json.dumps(access.decide_card(ask["card"], parse_instant(ask["at"]))))
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except (ConfigError, OSError) as e:
        print(f"door-agent: {e}", file=sys.stderr)
        return 2
    # libosdp and the serial port only once the settings are known to be right.
    from . import logs
    from .agent import Agent

    logs.setup(config.log_level)
    try:
        agent = Agent(config)
    except OSError as e:  # serial.SerialException is one
        logging.getLogger("door_agent").error("cannot open SERIAL_PORT: is the RS-485 adapter plugged in, and may this user use it (group dialout)?", extra={"fields": {"serialPort": config.serial_port, "error": str(e)}})
        return 1
    signal.signal(signal.SIGTERM, lambda *_: agent.stop())
    signal.signal(signal.SIGINT, lambda *_: agent.stop())
    try:
        agent.run()
    finally:
        agent.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="door-agent", description="The door agent: OSDP readers at one door, decisions offline, events to the onboarding API.")
    parser.add_argument("--version", action="version", version=f"door-agent {VERSION}")
    parser.add_argument("--config", default=os.environ.get("DOOR_AGENT_CONFIG", "/etc/door-agent/door-agent.env"), help="the controller's file from the console, plus the wiring (default %(default)s)")
    sub = parser.add_subparsers(dest="command")
    c = sub.add_parser("check", help="decide from a saved access list, offline")
    c.add_argument("--list", required=True, help="access-list.json from the state folder, or a list as the API answers it")
    c.add_argument("--card")
    c.add_argument("--at", default=None, help="an ISO instant (default now)")
    args = parser.parse_args()
    if args.command == "check":
        if args.card and not args.at:
            from datetime import datetime, timezone
            args.at = datetime.now(timezone.utc).isoformat()
        return check(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
