# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime

from trytond.cache import Cache
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

# The keys of the context that name the records a client acts on
RECORD_CONTEXT_KEYS = {'active_model', 'active_id', 'active_ids', 'action_id'}


class Model(metaclass=PoolMeta):
    __name__ = 'ir.model'
    # The names of the models depend on the language, not on the records
    # the client acts on: without them in the key, the log of a wizard or
    # of a transition (whose resource is checked against these names) and
    # the origin of a line do not compute the names again for each session
    _get_names_cache = Cache(
        'commons_fund.ir.model.get_names',
        context_ignored_keys=RECORD_CONTEXT_KEYS)


class ActionWizard(metaclass=PoolMeta):
    __name__ = 'ir.action.wizard'
    # The models a wizard runs on do not depend on the records it runs on:
    # without them in the key, checking the access of each session of a
    # wizard does not search its action again
    _get_models_cache = Cache(
        'commons_fund.ir_action_wizard.get_models',
        context_ignored_keys=RECORD_CONTEXT_KEYS)


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
