import unittest

from door_agent.access_list import AccessList
from door_agent.rule import decide_from_entry, hash_visitor_pin, local_moment, parse_instant

WEEK = [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "06:00", "to": "22:00"}]


def entry(**kw):
    return {"number": "C1", "windows": WEEK, "closures": [], "dates": None, "validFrom": None, "validUntil": None, **kw}


def at(text):
    return parse_instant(text)


class Rule(unittest.TestCase):
    def test_hours_edges_on_the_site_clock(self):
        # Monday 4 January 2027 in Paris is UTC+1.
        self.assertEqual(decide_from_entry(entry(), "Europe/Paris", at("2027-01-04T04:59:59.999Z")), {"granted": False, "reason": "outside_hours"})
        self.assertEqual(decide_from_entry(entry(), "Europe/Paris", at("2027-01-04T05:00:00.000Z")), {"granted": True})
        self.assertEqual(decide_from_entry(entry(), "Europe/Paris", at("2027-01-04T20:59:00.000Z")), {"granted": True})
        self.assertEqual(decide_from_entry(entry(), "Europe/Paris", at("2027-01-04T21:00:00.000Z")), {"granted": False, "reason": "outside_hours"})

    def test_saturday_and_the_clocks_going_forward(self):
        self.assertEqual(decide_from_entry(entry(), "Europe/Paris", at("2027-01-09T10:00:00Z"))["reason"], "outside_hours")
        # Monday 29 March 2027, after the change to summer time (UTC+2): 06:00 is 04:00Z.
        self.assertEqual(local_moment(at("2027-03-29T04:00:00Z"), "Europe/Paris"), ("2027-03-29", 360))
        self.assertTrue(decide_from_entry(entry(), "Europe/Paris", at("2027-03-29T04:00:00Z"))["granted"])

    def test_validity_dates_and_closures(self):
        e = entry(validFrom="2027-01-04T23:00:00.000Z", validUntil="2027-01-06T23:00:00.000Z")
        self.assertEqual(decide_from_entry(e, "Europe/Paris", at("2027-01-04T10:00:00Z"))["reason"], "not_yet_valid")
        self.assertTrue(decide_from_entry(e, "Europe/Paris", at("2027-01-05T10:00:00Z"))["granted"])
        self.assertEqual(decide_from_entry(e, "Europe/Paris", at("2027-01-06T23:00:00Z"))["reason"], "expired")
        self.assertEqual(decide_from_entry(entry(dates=["2027-01-05"]), "Europe/Paris", at("2027-01-04T10:00:00Z"))["reason"], "not_a_pass_date")
        self.assertEqual(decide_from_entry(entry(closures=["2027-01-05"]), "Europe/Paris", at("2027-01-05T10:00:00Z"))["reason"], "closed")
        self.assertEqual(decide_from_entry(None, "Europe/Paris", at("2027-01-05T10:00:00Z"))["reason"], "unknown_card")

    def test_a_window_to_midnight_and_one_wrapping_the_week(self):
        late = entry(windows=[{"days": ["sun"], "from": "22:00", "to": "24:00"}])
        self.assertTrue(decide_from_entry(late, "UTC", at("2027-01-10T23:59:00Z"))["granted"])
        self.assertFalse(decide_from_entry(late, "UTC", at("2027-01-11T00:00:00Z"))["granted"])
        wrap = entry(windows=[{"days": ["sun"], "from": "22:00", "to": "02:00", "overnight": True}])
        self.assertTrue(decide_from_entry(wrap, "UTC", at("2027-01-11T01:59:00Z"))["granted"])
        self.assertFalse(decide_from_entry(wrap, "UTC", at("2027-01-11T02:00:00Z"))["granted"])

    def test_visitor_pins_hash_as_the_server_does(self):
        # The same PBKDF2 as domain/visits/visitor-pin.ts: six digits, the site's salt, 10,000 rounds.
        self.assertEqual(hash_visitor_pin("#123456", "salt", 10_000, 32), hash_visitor_pin("123456", "salt", 10_000, 32))
        self.assertEqual(len(hash_visitor_pin("#123456", "salt", 10_000, 32)), 64)
        salt = "5f0c3b8e-1111-4222-8333-944455556666"
        pins = {"hash": {"algorithm": "pbkdf2-sha256", "iterations": 10_000, "bytes": 32, "salt": salt},
                "entries": [{**entry(), "visitId": "v1", "pinHash": hash_visitor_pin("#654321", salt, 10_000, 32)}]}
        listed = AccessList({"version": 3, "timeZone": "Europe/Paris", "cards": [], "visitorPins": pins}, '"3"')
        monday = at("2027-01-04T10:00:00Z")
        self.assertEqual(listed.decide_visitor("#654321", monday, set()), ({"granted": True}, "v1"))
        self.assertEqual(listed.decide_visitor("#654321", monday, {"v1"}), ({"granted": False, "reason": "expired"}, "v1"))
        self.assertEqual(listed.decide_visitor("#000000", monday, set()), ({"granted": False, "reason": "unknown_card"}, None))


if __name__ == "__main__":
    unittest.main()
