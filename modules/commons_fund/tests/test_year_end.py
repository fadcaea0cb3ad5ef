# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import unittest
from decimal import Decimal

from trytond.modules.commons_fund.year_end import Dedicated

D = Decimal


class YearEndComputeTestCase(unittest.TestCase):
    "Test the arithmetic of the year end of dedicated funds"

    def compute(self, opening, resources, spending):
        used, spent, reported = Dedicated.compute(
            {k: D(v) for k, v in opening.items()},
            {k: D(v) for k, v in resources.items()}, D(spending))
        for origin in Dedicated.origins():
            # closing = opening - used + reported never goes below zero
            closing = D(opening.get(origin, 0)) - used[origin] + reported[
                origin]
            self.assertGreaterEqual(closing, 0)
        return (
            {k: v for k, v in used.items() if v},
            {k: v for k, v in spent.items() if v},
            {k: v for k, v in reported.items() if v})

    def test_resources_of_the_year(self):
        "Spending uses the resources of the year, subsidies first"
        self.assertEqual(
            self.compute({}, {'subsidy': 1000, 'generosity': 500}, 600),
            ({}, {'subsidy': 600}, {'subsidy': 400, 'generosity': 500}))

    def test_opening_first(self):
        "Spending uses the opening before the resources of the year"
        self.assertEqual(
            self.compute(
                {'subsidy': 400, 'generosity': 500}, {'subsidy': 300}, 700),
            ({'subsidy': 400, 'generosity': 300},
                {'subsidy': 400, 'generosity': 300},
                {'subsidy': 300}))

    def test_spending_above_everything(self):
        "Spending above the dedicated money uses all of it, no more"
        self.assertEqual(
            self.compute({'organisation': 100}, {'generosity': 50}, 1000),
            ({'organisation': 100}, {'organisation': 100, 'generosity': 50},
                {}))

    def test_refund_uses_opening(self):
        "A refund of money of an earlier year releases its own origin"
        self.assertEqual(
            self.compute({'subsidy': 400, 'generosity': 100},
                {'subsidy': -150}, 0),
            ({'subsidy': 150}, {}, {}))

    def test_nothing(self):
        "No opening, no resources, no spending: nothing moves"
        self.assertEqual(self.compute({}, {}, 0), ({}, {}, {}))

    def test_origin(self):
        "The funding types of pledges map to the origins of ANC 2018-06"
        self.assertEqual(Dedicated.get_origin('receipt', 'subsidy'), 'subsidy')
        self.assertEqual(
            Dedicated.get_origin('receipt', 'sponsorship'), 'generosity')
        self.assertEqual(
            Dedicated.get_origin('fee', 'donation'), 'generosity')
        self.assertEqual(
            Dedicated.get_origin('receipt', 'organisation_contribution'),
            'organisation')
        self.assertEqual(
            Dedicated.get_origin('reciprocity', None), 'organisation')
        self.assertIsNone(Dedicated.get_origin('expense', None))
        self.assertTrue(Dedicated.is_spending('allocation', -1))
        self.assertFalse(Dedicated.is_spending('allocation', 1))
