# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What the demo approved, validated and accepted is dated when it happened.

scripts/demo.py replays the past: the steward validates the contributions
of 2023 a week after they were made, the spending they pay is approved
when the contributor's invoice is made, a milestone is accepted on the day
it is delivered.  The database must say so, not the day the demo was
built.
"""
import datetime as dt


def _date(value):
    "The date of a DATE or TIMESTAMP column, as SQLite or PostgreSQL give it"
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def test_contributions_validated_when_made(demo_database):
    rows = demo_database.query(
        'SELECT c.number, c.date, v.date '
        'FROM commons_contribution_validation AS v '
        'JOIN commons_contribution AS c ON c.id = v.contribution '
        "WHERE c.date < '2024-01-01'")
    assert rows, "the demo validates no contribution of 2023"
    for number, made, validated in rows:
        made, validated = _date(made), _date(validated)
        assert made <= validated <= made + dt.timedelta(days=7), (
            number, made, validated)


def test_spending_approved_when_invoiced(demo_database):
    rows = demo_database.query(
        'SELECT i.number, i.invoice_date, l.commons_approved_date, '
        'l.commons_approval_source '
        'FROM account_invoice_line AS l '
        'JOIN account_invoice AS i ON i.id = l.invoice '
        'WHERE l.commons_approved_date IS NOT NULL')
    sources = {r[3] for r in rows}
    # The contributor's invoice of 2023 approved by the validations of its
    # contributions, the milestone's by the steward
    assert sources == {'validation', 'steward'}, rows
    assert any(_date(r[1]).year == 2023 for r in rows), rows
    for number, invoice_date, approved, _ in rows:
        assert _date(approved) == _date(invoice_date), (
            number, invoice_date, approved)


def test_milestones_accepted_when_delivered(demo_database):
    rows = demo_database.query(
        'SELECT name, delivered_date, accepted_date '
        'FROM commons_resource_milestone '
        'WHERE accepted_date IS NOT NULL')
    assert rows, "the demo accepts no milestone"
    for name, delivered, accepted in rows:
        assert _date(accepted) == _date(delivered), (
            name, delivered, accepted)
