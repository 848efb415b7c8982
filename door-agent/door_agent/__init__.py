"""The door agent: the software at a door, between OSDP readers and the onboarding API."""

VERSION = "0.1.0"
