import unittest

import osdp

from door_agent.cards import card_number, wiegand26
from door_agent.keypad import Keypad, Typed, keys_of


class KeypadTest(unittest.TestCase):
    def test_an_enrollment_pin_then_a_card_within_30_seconds(self):
        k = Keypad()
        self.assertEqual(k.feed("*12", 0), [])
        self.assertEqual(k.feed("34", 1), [Typed("enrollment_pin", "*1234")])
        self.assertEqual(k.take_pin(20), "*1234")
        self.assertIsNone(k.take_pin(21), "used once")
        k.feed("*5678", 100)
        self.assertIsNone(k.take_pin(131), "a card 31 s later pairs with nothing")

    def test_visitor_pins_either_way_round(self):
        k = Keypad()
        self.assertEqual(k.feed("#582013", 0), [Typed("visitor_pin", "#582013")])
        self.assertEqual(k.feed("99582013#", 1), [Typed("visitor_pin", "#582013")])
        self.assertEqual(k.feed("12#", 2), [])

    def test_keys_far_apart_start_over(self):
        k = Keypad()
        k.feed("*12", 0)
        self.assertEqual(k.feed("34", 11), [])

    def test_osdp_key_codes(self):
        self.assertEqual(keys_of(bytes([0x7F, 0x31, 0x32, 0x0D])), "*12#")
        self.assertEqual(keys_of(b"*1234#"), "*1234#")
        self.assertEqual(keys_of(bytes([1, 2, 9])), "129")


class Cards(unittest.TestCase):
    def test_26_bit_wiegand_reads_as_facility_and_number(self):
        data = wiegand26(123, 45678)
        self.assertEqual(card_number({"format": osdp.CardFormat.Wiegand, "length": 26, "data": data}), "123-45678")
        self.assertEqual(card_number({"format": osdp.CardFormat.Wiegand, "length": 26, "data": wiegand26(0, 0)}), "0-0")

    def test_a_26_bit_read_with_a_wrong_parity_is_no_card(self):
        data = bytearray(wiegand26(123, 45678))
        data[1] ^= 0x01
        self.assertIsNone(card_number({"format": osdp.CardFormat.Wiegand, "length": 26, "data": bytes(data)}))

    def test_ascii_and_other_lengths(self):
        self.assertEqual(card_number({"format": osdp.CardFormat.ASCII, "data": b"C0001"}), "C0001")
        self.assertEqual(card_number({"format": osdp.CardFormat.Wiegand, "length": 16, "data": bytes([0x55, 0xAA])}), "W16-55aa")


if __name__ == "__main__":
    unittest.main()
