# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .model import MAX_ID, host_language


class User(metaclass=PoolMeta):
    __name__ = 'res.user'
    party = fields.Many2One(
        'party.party', "Party", ondelete='SET NULL',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The party the user acts as, for example as the steward "
        "of a commons resource.")

    @classmethod
    def default_language(cls):
        pool = Pool()
        Company = pool.get('company.company')
        company = Transaction().context.get('company')
        if isinstance(company, int) and 0 < company <= MAX_ID:
            lang = host_language(Company(company))
            if lang:
                return lang.id
