# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Properties of the allocation arithmetic, and examples computed by hand."""
import random
import unittest
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from trytond.modules.commons_fund.distribution import (
    GRADES, attribute, capped_proportional, grouped_proportional,
    largest_remainder, majority_ranking, median_grade, priority, proportional,
    quadratic_match)

CENT = Decimal('0.01')

amounts = st.decimals(
    min_value=Decimal('0'), max_value=Decimal('1000000'), places=2,
    allow_nan=False, allow_infinity=False)
positive = st.decimals(
    min_value=Decimal('0.01'), max_value=Decimal('100000'), places=2,
    allow_nan=False, allow_infinity=False)
weights = st.dictionaries(
    st.integers(min_value=1, max_value=10000), amounts,
    min_size=1, max_size=30)
quanta = st.sampled_from([Decimal('1'), Decimal('0.01'), Decimal('0.001')])
contributions = st.dictionaries(
    st.integers(min_value=1, max_value=50),
    st.dictionaries(
        st.integers(min_value=1, max_value=40), positive, max_size=8),
    min_size=1, max_size=12)
rates = st.one_of(
    st.none(), st.decimals(
        min_value=Decimal('0.05'), max_value=Decimal('1'), places=2))


cents = st.decimals(
    min_value=Decimal('0'), max_value=Decimal('100000'), places=2,
    allow_nan=False, allow_infinity=False)
# (origin, pledge) keys as the attribution of a fund uses them
sources = st.tuples(
    st.sampled_from(['subsidy', 'organisation', 'generosity', 'host']),
    st.integers(min_value=0, max_value=20))


def shuffled(mapping, seed):
    "The same mapping built in another order"
    items = list(mapping.items())
    random.Random(seed).shuffle(items)
    return dict(items)


def is_quantum(amount, quantum):
    return amount == amount.quantize(quantum) if quantum < 1 else (
        amount == amount.to_integral_value())


class DistributionTestCase(unittest.TestCase):
    "Test the allocation arithmetic"

    @settings(deadline=None, max_examples=100)
    @given(total=amounts, weights=weights, quantum=quanta,
        seed=st.integers())
    def test_proportional(self, total, weights, quantum, seed):
        "Proportional shares sum exactly, are not negative, and keep order"
        result = proportional(total, weights, quantum)
        if not sum(weights.values()):
            self.assertEqual(result, {})
            return
        placed = total.quantize(quantum, rounding='ROUND_DOWN')
        self.assertEqual(sum(result.values()), placed)
        weight_sum = sum(weights.values())
        for key, amount in result.items():
            self.assertGreaterEqual(amount, 0)
            self.assertTrue(is_quantum(amount, quantum))
            # Never further than one quantum from the exact share
            self.assertLess(
                abs(amount - placed * weights[key] / weight_sum), quantum)
        self.assertEqual(
            proportional(total, shuffled(weights, seed), quantum), result)

    @settings(deadline=None, max_examples=100)
    @given(total=amounts, weights=weights, quantum=quanta,
        seed=st.integers())
    def test_capped_proportional(self, total, weights, quantum, seed):
        "Capped shares never exceed a cap and place all they can"
        caps = {k: w for k, w in weights.items()}
        result = capped_proportional(total, weights, caps, quantum)
        placed = sum(result.values())
        self.assertLessEqual(placed, total)
        for key, amount in result.items():
            self.assertGreater(amount, 0)
            self.assertLessEqual(amount, caps[key])
            self.assertTrue(is_quantum(amount, quantum))
        room = sum(
            c.quantize(quantum, rounding='ROUND_DOWN') for c in caps.values())
        # What stays in the pool is only what no cap could take
        self.assertEqual(
            placed, min(total.quantize(quantum, rounding='ROUND_DOWN'), room))
        self.assertEqual(
            capped_proportional(
                total, shuffled(weights, seed), shuffled(caps, seed + 1),
                quantum),
            result)

    @settings(deadline=None, max_examples=100)
    @given(total=amounts, weights=weights, quantum=quanta)
    def test_priority(self, total, weights, quantum):
        "Priority fills the keys in order, each up to its cap"
        order = sorted(weights, reverse=True)
        result = priority(total, order, weights, quantum)
        left = total.quantize(quantum, rounding='ROUND_DOWN')
        for key in order:
            cap = weights[key].quantize(quantum, rounding='ROUND_DOWN')
            self.assertEqual(result.get(key, 0), min(cap, left))
            left -= result.get(key, 0)
        self.assertGreaterEqual(left, 0)

    @settings(deadline=None, max_examples=100)
    @given(pool=amounts, contributions=contributions, quantum=quanta,
        minimum=st.sampled_from([Decimal(0), Decimal(1), Decimal(10)]),
        cap_rate=rates, seed=st.integers())
    def test_quadratic(
            self, pool, contributions, quantum, minimum, cap_rate, seed):
        "Quadratic matches sum to the pool, respect the cap and the rules"
        matches, values = quadratic_match(
            pool, contributions, quantum, minimum=minimum, cap_rate=cap_rate)
        pool_placed = pool.quantize(quantum, rounding='ROUND_DOWN')
        cap = pool_placed
        if cap_rate:
            cap = (pool_placed * cap_rate).quantize(
                quantum, rounding='ROUND_DOWN')
        for bucket, amount in matches.items():
            self.assertGreater(amount, 0)
            self.assertLessEqual(amount, cap)
            counted = [
                c for c in contributions[bucket].values() if c >= minimum]
            self.assertGreaterEqual(len(counted), 2)
        matched = [b for b, v in values.items() if v > 0]
        if matched:
            # The pool is all shared unless every matched bucket is capped
            self.assertEqual(
                sum(matches.values()),
                min(pool_placed, cap * len(matched)))
        else:
            self.assertEqual(matches, {})
        reordered = {
            b: shuffled(c, seed) for b, c in shuffled(
                contributions, seed).items()}
        self.assertEqual(
            quadratic_match(
                pool, reordered, quantum, minimum=minimum,
                cap_rate=cap_rate)[0],
            matches)

    def test_quadratic_by_hand(self):
        "Quadratic matching of examples computed by hand"
        contributions = {
            # Four participants giving 1: (4 * 1)^2 - 4 = 12
            'A': {1: Decimal(1), 2: Decimal(1), 3: Decimal(1), 4: Decimal(1)},
            # A single participant: no match
            'B': {1: Decimal(100)},
            # 4 and 1: (2 + 1)^2 - 5 = 4
            'C': {1: Decimal(4), 2: Decimal(1)},
            }
        matches, values = quadratic_match(
            Decimal(100), contributions, CENT)
        self.assertEqual(values, {'A': 12, 'B': 0, 'C': 4})
        # 100 * 12 / 16 and 100 * 4 / 16
        self.assertEqual(
            matches, {'A': Decimal('75.00'), 'C': Decimal('25.00')})

        # Capped at 50 %: A keeps 50, its 25 of overflow goes to C
        matches, _ = quadratic_match(
            Decimal(100), contributions, CENT, cap_rate=Decimal('0.5'))
        self.assertEqual(
            matches, {'A': Decimal('50.00'), 'C': Decimal('50.00')})

        # Capped at 40 %: both are capped, 20 stay in the pool
        matches, _ = quadratic_match(
            Decimal(100), contributions, CENT, cap_rate=Decimal('0.4'))
        self.assertEqual(
            matches, {'A': Decimal('40.00'), 'C': Decimal('40.00')})

        # With a minimum of 2, C's 1 no longer counts: C has one
        # contributor left and A none, so nothing is matched
        matches, _ = quadratic_match(
            Decimal(100), contributions, CENT, minimum=Decimal(2))
        self.assertEqual(matches, {})

    def test_quadratic_by_hand_redistribution(self):
        "The overflow is redistributed repeatedly"
        contributions = {
            # 9 participants of 1: 81 - 9 = 72
            'A': {i: Decimal(1) for i in range(9)},
            # 16 and 9: (4 + 3)^2 - 25 = 24
            'B': {1: Decimal(16), 2: Decimal(9)},
            # 1 and 1: 4 - 2 = 2
            'C': {1: Decimal(1), 2: Decimal(1)},
            # 1 and 1: 2
            'D': {3: Decimal(1), 4: Decimal(1)},
            }
        # Uncapped: 1000 * 72/100, 24/100, 2/100, 2/100
        matches, _ = quadratic_match(Decimal(1000), contributions, CENT)
        self.assertEqual(matches, {
                'A': Decimal(720), 'B': Decimal(240),
                'C': Decimal(20), 'D': Decimal(20)})
        # Cap 300: A keeps 300 and the 700 left go to B, C, D in 24:2:2;
        # B's 600 is capped at 300 too; the 400 left go to C and D: 200 each
        matches, _ = quadratic_match(
            Decimal(1000), contributions, CENT, cap_rate=Decimal('0.3'))
        self.assertEqual(matches, {
                'A': Decimal(300), 'B': Decimal(300),
                'C': Decimal(200), 'D': Decimal(200)})

    @settings(deadline=None, max_examples=200)
    @given(total=cents, weights=st.dictionaries(sources, cents, max_size=12))
    def test_grouped_proportional(self, total, weights):
        "Grouped shares sum to the total and each group to its rounding"
        total = min(total, sum(weights.values(), Decimal(0)))
        result = grouped_proportional(total, weights, CENT)
        if not any(weights.values()) or not total:
            self.assertFalse(any(result.values()))
            return
        self.assertEqual(sum(result.values()), total)
        groups = {}
        for (group, _), weight in weights.items():
            groups[group] = groups.get(group, Decimal(0)) + weight
        by_group = proportional(total, groups, CENT)
        for key, amount in result.items():
            self.assertGreaterEqual(amount, 0)
            self.assertLessEqual(amount, weights[key])
        for group, amount in by_group.items():
            self.assertEqual(
                sum(a for k, a in result.items() if k[0] == group), amount)

    @settings(deadline=None, max_examples=300)
    @given(
        opening=st.dictionaries(sources, cents, max_size=8),
        resources=st.dictionaries(sources, cents, max_size=8),
        refunds=st.dictionaries(sources, cents, max_size=3),
        spending=cents,
        named=st.dictionaries(sources, cents, max_size=3),
        seed=st.integers())
    def test_attribute(
            self, opening, resources, refunds, spending, named, seed):
        "The spending charged sums to the cent and nothing goes negative"
        resources = dict(resources)
        for key, amount in refunds.items():
            resources[key] = resources.get(key, Decimal(0)) - amount
        deferred = {k for k in set(opening) | set(resources) | set(named)
            if k[0] == 'host'}
        result = attribute(
            opening, resources, spending, CENT, named=named,
            deferred=deferred)
        available = sum((
                max(opening.get(k, 0) + resources.get(k, 0), 0)
                for k in result), Decimal(0))
        spent = sum((s for _, s, _ in result.values()), Decimal(0))
        self.assertTrue(is_quantum(spent, CENT))
        # All the spending is charged, unless there is not enough money
        self.assertEqual(spent, min(spending, available))
        self.assertLessEqual(spent, spending)
        for key, (used, spent_, reported) in result.items():
            self.assertGreaterEqual(used, 0)
            self.assertGreaterEqual(spent_, 0)
            closing = opening.get(key, Decimal(0)) - used + reported
            if resources.get(key, 0) >= 0:
                self.assertGreaterEqual(reported, 0)
                self.assertGreaterEqual(closing, 0)
            # Every euro of the key is either left or spent
            self.assertEqual(
                opening.get(key, Decimal(0)) + resources.get(key, Decimal(0))
                - spent_, closing)
        self.assertEqual(attribute(
                shuffled(opening, seed), shuffled(resources, seed),
                spending, CENT, named=shuffled(named, seed),
                deferred=deferred), result)

    def test_attribute_loot(self):
        "LOOT's 400 EUR of 2023: in proportion to what each brought"
        result = attribute({}, {
                ('generosity', 1): Decimal('2850.00'),
                ('organisation', 2): Decimal('1387.00'),
                ('host', 3): Decimal('1140.00'),
                }, Decimal(400), CENT, deferred={('host', 3)})
        # 400 * 2850 / 5377 = 212.014..., 400 * 1387 / 5377 = 103.180...,
        # 400 * 1140 / 5377 = 84.805...: the cent left goes to the host
        self.assertEqual({k: s for k, (_, s, _) in result.items()}, {
                ('generosity', 1): Decimal('212.01'),
                ('organisation', 2): Decimal('103.18'),
                ('host', 3): Decimal('84.81'),
                })

    def test_attribute_opening_first(self):
        "The opening is used first, in proportion, then the year"
        result = attribute({
                ('subsidy', 1): Decimal(400),
                ('generosity', 2): Decimal(500),
                ('host', 4): Decimal(100),
                }, {
                ('subsidy', 3): Decimal(300),
                }, Decimal(1000), CENT, deferred={('host', 4)})
        # 900 of dedicated opening, then 100 shared by the 300 of the year
        # and the 100 of the host's opening, which is not dedicated
        self.assertEqual(result, {
                ('generosity', 2): (Decimal(500), Decimal(500), Decimal(0)),
                ('host', 4): (Decimal(25), Decimal(25), Decimal(0)),
                ('subsidy', 1): (Decimal(400), Decimal(400), Decimal(0)),
                ('subsidy', 3): (Decimal(0), Decimal(75), Decimal(225)),
                })

    def test_attribute_named(self):
        "Spending that names its pledge uses that pledge first"
        result = attribute({
                ('subsidy', 1): Decimal(400),
                }, {
                ('generosity', 2): Decimal(500),
                ('subsidy', 3): Decimal(300),
                }, Decimal(700), CENT, named={('generosity', 2): Decimal(600)})
        # 500 named to the gift, the 100 above it is shared: opening first
        self.assertEqual(result, {
                ('generosity', 2): (Decimal(0), Decimal(500), Decimal(0)),
                ('subsidy', 1): (Decimal(200), Decimal(200), Decimal(0)),
                ('subsidy', 3): (Decimal(0), Decimal(0), Decimal(300)),
                })

    def test_attribute_refund(self):
        "Money given back uses the opening of its own pledge"
        result = attribute(
            {('subsidy', 1): Decimal(400), ('generosity', 2): Decimal(100)},
            {('subsidy', 1): Decimal(-150)}, Decimal(0), CENT)
        self.assertEqual(result, {
                ('generosity', 2): (Decimal(0), Decimal(0), Decimal(0)),
                ('subsidy', 1): (Decimal(150), Decimal(0), Decimal(0)),
                })

    def test_largest_remainder_ties(self):
        "Largest remainder gives the cents left to the largest remainders"
        self.assertEqual(
            largest_remainder(
                Decimal('10.00'),
                {3: Decimal(10) / 3, 1: Decimal(10) / 3, 2: Decimal(10) / 3},
                CENT),
            {1: Decimal('3.34'), 2: Decimal('3.33'), 3: Decimal('3.33')})
        self.assertEqual(
            proportional(Decimal('1.00'), {1: 1, 2: 2}, CENT),
            {1: Decimal('0.33'), 2: Decimal('0.67')})

    @settings(deadline=None, max_examples=100)
    @given(grades=st.dictionaries(
            st.integers(min_value=1, max_value=20),
            st.lists(st.sampled_from(GRADES), min_size=1, max_size=9),
            min_size=1, max_size=10),
        seed=st.integers())
    def test_majority_ranking(self, grades, seed):
        "Buckets are ranked by majority grade, whatever the order given"
        ranking = majority_ranking(grades)
        self.assertEqual(sorted(ranking), sorted(grades))
        count = max(len(g) for g in grades.values())
        padded = {
            k: g + ['reject'] * (count - len(g)) for k, g in grades.items()}
        medians = [GRADES.index(median_grade(padded[k])) for k in ranking]
        self.assertEqual(medians, sorted(medians))
        self.assertEqual(
            majority_ranking({
                    k: random.Random(seed).sample(g, len(g))
                    for k, g in shuffled(grades, seed).items()}),
            ranking)

    def test_majority_ranking_by_hand(self):
        "The median grade, then the standard tie-break"
        ranking = majority_ranking({
                # median good; without it: excellent, poor -> poor
                1: ['good', 'excellent', 'poor'],
                # median good; without it: good, fair -> fair
                2: ['good', 'good', 'fair'],
                # one grade missing counts as reject: median reject
                3: ['excellent', 'reject'],
                # median very good
                4: ['very_good', 'very_good', 'reject'],
                })
        self.assertEqual(ranking, [4, 2, 1, 3])
        # The lower median of an even count is the worse middle grade
        self.assertEqual(median_grade(['excellent', 'good']), 'good')
