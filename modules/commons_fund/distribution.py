# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The arithmetic of allocations, apart from the database.

Every function takes amounts as Decimal and keys that sort (resource or
bucket ids), and returns amounts rounded to the quantum (the currency's
smallest unit) whose sum is exact.  The results depend only on the values
given, never on the order of the keys: ties are broken by key.
"""
import decimal
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

__all__ = [
    'largest_remainder', 'proportional', 'grouped_proportional',
    'capped_proportional', 'priority', 'quadratic_match', 'attribute',
    'majority_ranking', 'GRADES']

# From the best to the worst, as in majority judgment
GRADES = ['excellent', 'very_good', 'good', 'fair', 'poor', 'reject']


def _fraction(value):
    return value if isinstance(value, Fraction) else Fraction(value)


def _floor(value, quantum):
    "Return the number of quanta of value, rounded down"
    return (value / quantum).__floor__()


def largest_remainder(total, exact, quantum):
    """Round the exact shares to the quantum so that they sum to total.

    exact maps keys to exact (Fraction or Decimal) non-negative shares
    whose sum is total (up to less than one quantum per key).  Each share is
    rounded down, then the quanta left are given one by one to the largest
    remainders (ties to the smallest key)."""
    total, quantum = _fraction(total), _fraction(quantum)
    units = _floor(total, quantum)
    floors, remainders = {}, []
    for key in sorted(exact):
        value = _fraction(exact[key])
        if value < 0:
            raise ValueError("negative share for %r" % (key,))
        floor = _floor(value, quantum)
        floors[key] = floor
        remainders.append((-(value - floor * quantum), key))
    left = units - sum(floors.values())
    if left < 0 or left > len(remainders):
        raise ValueError("shares do not sum to the total")
    remainders.sort()
    for _, key in remainders[:left]:
        floors[key] += 1
    quantum = Decimal(quantum.numerator) / Decimal(quantum.denominator)
    return {k: (n * quantum) for k, n in floors.items()}


def proportional(total, weights, quantum):
    """Share total in proportion to the weights, exactly to the quantum.

    Keys with a zero weight get nothing; when every weight is zero nothing
    is shared (an empty result)."""
    weights = {k: _fraction(w) for k, w in weights.items()}
    if any(w < 0 for w in weights.values()):
        raise ValueError("negative weight")
    weight_sum = sum(weights.values())
    if not weight_sum or total <= 0:
        return {}
    total = _round_down(total, quantum)
    exact = {k: _fraction(total) * w / weight_sum for k, w in weights.items()}
    return largest_remainder(total, exact, quantum)


def grouped_proportional(total, weights, quantum):
    """Share total in proportion to the weights of (group, key) pairs: first
    between the groups in proportion to the sum of their weights, then
    within each group, each rounded to the quantum by largest remainder.

    So the amount of each group is the rounding of its exact share, and the
    amounts of its keys sum to it."""
    groups = defaultdict(Decimal)
    for (group, _), weight in weights.items():
        groups[group] += weight
    result = {}
    for group, amount in proportional(total, groups, quantum).items():
        result.update(proportional(amount, {
                    k: w for k, w in weights.items() if k[0] == group},
                quantum))
    return result


def _round_down(amount, quantum):
    "Return amount rounded down to the quantum, as Decimal"
    quantum = Decimal(quantum)
    return _floor(_fraction(amount), _fraction(quantum)) * quantum


def capped_proportional(total, weights, caps, quantum):
    """Share total in proportion to the weights without any key going above
    its cap; the overflow is shared again among the keys below their cap
    until none is left or every key is full.

    Return the amounts; what could not be placed is total - sum(amounts)."""
    weights = {k: _fraction(w) for k, w in weights.items() if w > 0}
    caps = {k: _fraction(_round_down(caps[k], quantum)) for k in weights}
    total = _fraction(_round_down(total, quantum))
    exact = {k: Fraction(0) for k in weights}
    open_ = {k for k in weights if caps[k] > 0}
    left = total
    while left > 0 and open_:
        weight_sum = sum(weights[k] for k in open_)
        full = {
            k for k in open_
            if exact[k] + left * weights[k] / weight_sum >= caps[k]}
        if not full:
            for k in open_:
                exact[k] += left * weights[k] / weight_sum
            left = 0
            break
        for k in full:
            left -= caps[k] - exact[k]
            exact[k] = caps[k]
        open_ -= full
    placed = _fraction(_round_down(sum(exact.values()), quantum))
    # Exact shares within caps that are whole quanta stay so when rounded:
    # the rounding only moves remainders, never past a cap
    return _drop_zeros(largest_remainder(placed, exact, quantum))


def priority(total, order, caps, quantum):
    """Fill the keys in the order given, each up to its cap."""
    left = _round_down(total, quantum)
    result = {}
    for key in order:
        if left <= 0:
            break
        amount = min(_round_down(caps[key], quantum), left)
        if amount > 0:
            result[key] = amount
            left -= amount
    return result


def attribute(
        opening, resources, spending, quantum, named=None, deferred=()):
    """Charge the spending of a fund to the money it was given.

    The keys are (group, key) pairs that sort: the origin of the money and,
    within it, the pledge (0 for the money without pledge).  All amounts are
    multiples of the quantum.  opening maps the keys to what they had left at
    the start of the year, resources to what they brought during the year
    (negative when money was given back), named to the spending of the year
    that names the key it is charged to; spending is all the spending of the
    year.  The opening of the deferred keys is not dedicated: it is used
    with the resources of the year.

    Money given back first takes the opening of its own key.  Named spending
    uses the opening of its key, then its resources of the year.  The rest
    uses the opening of the keys not deferred in proportion to what each
    has left, then the resources of the year (and the opening of the
    deferred keys) in proportion to what each brought; shares are rounded
    by grouped_proportional, so that they sum to the spending charged.
    Spending above all the money is not charged.

    Return by key (used, spent, reported): what was taken from the opening,
    what the spending took from the key (opening and year), and what is left
    of its resources of the year."""
    named = named or {}
    keys = sorted(set(opening) | set(resources) | set(named))
    zero = Decimal(0)
    left = {k: Decimal(opening.get(k, 0)) for k in keys}
    year = {k: Decimal(resources.get(k, 0)) for k in keys}
    used = dict.fromkeys(keys, zero)
    spent = dict.fromkeys(keys, zero)

    def take(key, amount, from_opening):
        used[key] += from_opening
        left[key] -= from_opening
        spent[key] += amount
        year[key] -= amount - from_opening

    for key in keys:
        if year[key] < 0:
            given = min(-year[key], max(left[key], zero))
            used[key] += given
            left[key] -= given
            year[key] += given
    remaining = max(Decimal(spending), zero)
    for key in keys:
        amount = min(max(Decimal(named.get(key, 0)), zero), remaining)
        from_opening = min(amount, max(left[key], zero))
        amount = from_opening + min(
            amount - from_opening, max(year[key], zero))
        take(key, amount, from_opening)
        remaining -= amount
    weights = {
        k: left[k] for k in keys if k not in deferred and left[k] > 0}
    total = min(remaining, sum(weights.values(), zero))
    for key, amount in grouped_proportional(
            total, weights, quantum).items():
        take(key, amount, amount)
    remaining -= total
    weights = {}
    for key in keys:
        weight = max(year[key], zero)
        if key in deferred:
            weight += max(left[key], zero)
        if weight > 0:
            weights[key] = weight
    total = min(remaining, sum(weights.values(), zero))
    for key, amount in grouped_proportional(
            total, weights, quantum).items():
        from_opening = zero
        if key in deferred:
            from_opening = min(amount, max(left[key], zero))
        take(key, amount, from_opening)
    return {k: (used[k], spent[k], year[k]) for k in keys}


def _drop_zeros(amounts):
    return {k: v for k, v in amounts.items() if v}


def _sqrt(value):
    context = decimal.Context(prec=40)
    value = _fraction(value)
    return Fraction(context.sqrt(context.divide(
                Decimal(value.numerator), Decimal(value.denominator))))


def quadratic_match(
        pool, contributions, quantum, minimum=0, cap_rate=None, rooms=None):
    """Return the match of each bucket from pool by quadratic funding.

    contributions maps bucket keys to {participant: amount}.  For bucket p,
    v_p = (sum of sqrt(c_i))**2 - sum of c_i over the contributions of at
    least the minimum; a bucket with fewer than two such contributors gets
    nothing; match_p = pool * v_p / sum of v_q.  With cap_rate, no bucket
    gets more than cap_rate * pool: the overflow goes to the buckets below
    the cap in proportion to their match, again until none exceeds it.
    rooms, if given, caps the match of each bucket too (what its maximum
    leaves once its contributions are counted).

    Return (matches, values) where values are the v_p (as Fraction)."""
    minimum = _fraction(minimum or 0)
    values = {}
    for bucket, by_participant in contributions.items():
        amounts = [
            _fraction(a) for a in by_participant.values()
            if a > 0 and _fraction(a) >= minimum]
        if len(amounts) < 2:
            values[bucket] = Fraction(0)
            continue
        root_sum = sum(_sqrt(a) for a in amounts)
        values[bucket] = max(root_sum * root_sum - sum(amounts), Fraction(0))
    pool = _round_down(pool, quantum)
    if cap_rate:
        cap = _round_down(pool * Decimal(cap_rate), quantum)
    else:
        cap = pool
    rooms = rooms or {}
    caps = {k: min(cap, rooms.get(k, cap)) for k in values}
    return capped_proportional(pool, values, caps, quantum), values


def _majority_value(grades, count=None):
    """Return the majority value of the grades (indexes in GRADES, lower is
    better): the majority grade, then the majority grade of what is left
    once it is removed, and so on (Balinski and Laraki's tie-break).

    The majority grade is the lower median: the worse of the two middle
    grades for an even count.  Missing grades up to count are rejections."""
    grades = sorted(grades)
    if count is not None:
        grades += [len(GRADES) - 1] * (count - len(grades))
    value = []
    while grades:
        value.append(grades.pop(len(grades) // 2))
    return value


def majority_ranking(grades):
    """Rank the buckets by majority judgment.

    grades maps bucket keys to the list of grades given (names in GRADES);
    a bucket graded by fewer participants than the others counts the
    missing grades as rejections.  Return the keys from the best to the
    worst by majority value, ties to the smallest key."""
    index = {g: i for i, g in enumerate(GRADES)}
    count = max((len(gs) for gs in grades.values()), default=0)
    values = {
        k: _majority_value([index[g] for g in gs], count)
        for k, gs in grades.items()}
    return sorted(values, key=lambda k: (values[k], k))


def median_grade(grades):
    "Return the majority (lower median) grade of the list, None when empty"
    index = {g: i for i, g in enumerate(GRADES)}
    value = _majority_value([index[g] for g in grades])
    return GRADES[value[0]] if value else None
