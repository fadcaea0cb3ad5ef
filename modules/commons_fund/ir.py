# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Date(metaclass=PoolMeta):
    __name__ = 'ir.date'

    @classmethod
    def now(cls):
        "Return the time a decision is stamped with, as today gives its date"
        return datetime.datetime.now()


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.domain.help += (
            '\n- "parties" as list of ids of the party of the current user')

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        return (*key, Transaction().user)

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        User = pool.get('res.user')
        context = super()._get_context(model_name)
        user = User(Transaction().user)
        context['parties'] = [user.party.id] if user.party else []
        return context
