# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import unittest

from trytond.modules.commons_fund.attribution import Attribution


class AttributionOriginTestCase(unittest.TestCase):
    "Test the origins of the money of the year end of dedicated funds"

    def test_origin(self):
        "The funding types of pledges map to the origins of ANC 2018-06"
        self.assertEqual(
            Attribution.get_origin('receipt', 'subsidy'), 'subsidy')
        self.assertEqual(
            Attribution.get_origin('receipt', 'sponsorship'), 'generosity')
        self.assertEqual(
            Attribution.get_origin('fee', 'donation'), 'generosity')
        self.assertEqual(
            Attribution.get_origin('receipt', 'organisation_contribution'),
            'organisation')
        self.assertEqual(
            Attribution.get_origin('reciprocity', None), 'organisation')
        self.assertEqual(
            Attribution.get_origin('expense', 'subsidy'), 'subsidy')
        self.assertEqual(
            Attribution.get_origin('host', 'host_share'), 'host')
        self.assertNotIn('host', Attribution.dedicated_origins())
        self.assertTrue(Attribution.is_spending('expense'))
        self.assertTrue(Attribution.is_spending('allocation', -1))
        self.assertFalse(Attribution.is_spending('allocation', 1))
        self.assertFalse(Attribution.is_spending('host', 1))
