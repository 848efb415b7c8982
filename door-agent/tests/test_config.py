import os
import tempfile
import unittest

from door_agent.config import ConfigError, load_config

BASE = """# Front door (Tour Horizon)
PUBLIC_URL=https://onboarding.example.com
DOOR_CONTROLLER_ID=3f1c2a9e-8b7d-4c6e-9f00-1a2b3c4d5e6f
DOOR_CONTROLLER_SECRET=dcs_abc
SERIAL_PORT=/dev/ttyUSB0
READERS=101,102
READER_KEY=00112233445566778899aabbccddeeff
"""


class ConfigTest(unittest.TestCase):
    def load(self, text, environ=None):
        with tempfile.NamedTemporaryFile("w", suffix=".env", delete=False) as f:
            f.write(text)
        try:
            return load_config(f.name, environ or {})
        finally:
            os.unlink(f.name)

    def test_the_consoles_file_plus_the_wiring(self):
        c = self.load(BASE + "READER_102_KEY=ffeeddccbbaa99887766554433221100\nLOCK_SECONDS=3\n")
        self.assertEqual([r.address for r in c.readers], [101, 102])
        self.assertEqual(c.readers[1].key.hex(), "ffeeddccbbaa99887766554433221100")
        self.assertEqual((c.baud, c.lock_reader, c.lock_seconds, c.sync_seconds), (9600, 101, 3.0, 5.0))

    def test_a_bad_value_names_its_variable(self):
        cases = {
            "SERIAL_BAUD=9601\n": "SERIAL_BAUD",
            "READERS=101,200\n": "READERS",
            "READER_KEY=short\n": "READER_KEY",
            "LOCK_READER=7\n": "LOCK_READER",
            "SYNC_SECONDS=soon\n": "SYNC_SECONDS",
        }
        for line, name in cases.items():
            with self.assertRaises(ConfigError) as raised:
                self.load(BASE + line)
            self.assertIn(name, str(raised.exception))
        with self.assertRaises(ConfigError) as raised:
            self.load(BASE.replace("SERIAL_PORT=/dev/ttyUSB0\n", ""))
        self.assertIn("SERIAL_PORT", str(raised.exception))

    def test_the_environment_overrides_the_file(self):
        c = self.load(BASE, {"SERIAL_PORT": "/dev/ttyAMA0", "HOME": "/root"})
        self.assertEqual(c.serial_port, "/dev/ttyAMA0")


if __name__ == "__main__":
    unittest.main()
