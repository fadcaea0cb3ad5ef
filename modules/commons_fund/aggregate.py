# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from sql import Column
from sql.aggregate import Sum

from trytond import backend
from trytond.model import fields
from trytond.tools import grouped_slice, sqlite_apply_types
from trytond.transaction import Transaction


def sum_by(Model, key, ids, amount='amount', where=None):
    """Return the sum of the amount column of Model's rows by their key
    column, for the key ids, in one query per slice of ids.

    where, if given, is called with the table and returns an extra
    condition."""
    table = Model.__table__()
    key_column, amount_column = Column(table, key), Column(table, amount)
    cursor = Transaction().connection.cursor()
    result = defaultdict(Decimal)
    for sub_ids in grouped_slice(list(ids), backend.MAX_QUERY_PARAMS):
        condition = fields.SQL_OPERATORS['in'](key_column, sub_ids)
        if where is not None:
            condition &= where(table)
        query = table.select(
            key_column.as_('key'), Sum(amount_column).as_('amount'),
            where=condition,
            group_by=key_column)
        if backend.name == 'sqlite':
            sqlite_apply_types(query, [None, 'NUMERIC'])
        cursor.execute(*query)
        for key_id, total in cursor:
            result[key_id] = total or Decimal(0)
    return result
