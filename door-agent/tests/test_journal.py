import tempfile
import unittest
from pathlib import Path

from door_agent.api import Refused, Unreachable
from door_agent.journal import Journal
from door_agent.uploads import drain


def events(n, start=0):
    return [{"id": f"e{i}", "type": "granted", "cardNumber": "C1", "at": "2027-01-04T10:00:00.000Z"} for i in range(start, start + n)]


class Server:
    """Stores each event id once, as POST /v1/door-controllers/{id}/events does; can lose answers."""

    def __init__(self):
        self.stored = []
        self.down = False
        self.lose_next_answer = False

    def __call__(self, batch):
        if self.down:
            raise Unreachable("connection refused")
        known = {e["id"] for e in self.stored}
        fresh = [e for e in batch if e["id"] not in known]
        self.stored.extend(fresh)
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise Unreachable("the answer was lost")
        return {"received": len(batch), "stored": len(fresh), "duplicates": len(batch) - len(fresh)}


class JournalTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.journal = Journal(Path(self.dir.name))

    def tearDown(self):
        self.journal.close()
        self.dir.cleanup()

    def test_an_hour_offline_then_everything_once_in_batches_of_500(self):
        server = Server()
        server.down = True
        for e in events(1234):
            self.journal.add(e)
        self.assertEqual(drain(self.journal, server), (0, "unreachable: connection refused"))
        self.assertEqual(self.journal.queued(), 1234)
        server.down = False
        self.assertEqual(drain(self.journal, server), (1234, None))
        self.assertEqual(len(server.stored), 1234)
        self.assertEqual([e["id"] for e in server.stored], [f"e{i}" for i in range(1234)], "oldest first")
        self.assertEqual(self.journal.queued(), 0)

    def test_a_lost_answer_sends_the_batch_again_and_nothing_is_stored_twice(self):
        server = Server()
        for e in events(3):
            self.journal.add(e)
        server.lose_next_answer = True
        self.assertEqual(drain(self.journal, server)[0], 0)
        self.assertEqual(self.journal.queued(), 3, "kept until a 200")
        self.assertEqual(drain(self.journal, server)[0], 3)
        self.assertEqual(len(server.stored), 3)

    def test_the_journal_survives_a_restart(self):
        for e in events(2):
            self.journal.add(e)
        self.journal.close()
        self.journal = Journal(Path(self.dir.name))
        self.assertEqual([e["id"] for e in self.journal.batch()], ["e0", "e1"])

    def test_a_malformed_batch_is_set_aside_not_retried_forever(self):
        def refuse(batch):
            raise Refused(400, {"type": "validation-failed"})
        self.journal.add(events(1)[0])
        sent, _ = drain(self.journal, refuse)
        self.assertEqual((sent, self.journal.queued(), self.journal.refused()), (0, 0, 1))

    def test_used_visits_are_forgotten_once_the_list_drops_them(self):
        self.journal.use_visit("v1", "2027-01-04T10:00:00.000Z")
        self.journal.forget_visits({"v1", "v2"})
        self.assertEqual(self.journal.used_visits(), {"v1"})
        self.journal.forget_visits({"v2"})
        self.assertEqual(self.journal.used_visits(), set())


if __name__ == "__main__":
    unittest.main()
