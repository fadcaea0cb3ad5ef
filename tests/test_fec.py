# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The FEC of the demo's 2023 fiscal year keeps the administration's rules.

Over JSON-RPC, as the accountant would from the client, the admin of the
served demo posts the year end of the dedicated funds of 2023 (when the demo
has not) and exports the FEC of 2023 with account_fr's wizard; the file,
with the receipts, fees, expenses, volunteer work (86x/87x) and fonds dédiés
that the commons modules posted, must keep every rule of article A47 A-1 of
the LPF as trytond.modules.commons_reporting.tests.fec writes them.
"""
import datetime as dt

from conftest import ADMIN
from demo_rpc import run_wizard

from trytond.modules.commons_reporting.tests import fec


def test_demo_fec_2023(demo_server):
    admin = demo_server.client(*ADMIN)
    fiscalyear, = admin.model('account.fiscalyear', 'search_read', [
            ('company', '=', admin.context['company']),
            ('start_date', '=', dt.date(2023, 1, 1)),
            ], 0, 1, None, ['commons_year_end', 'end_date'])
    if not fiscalyear['commons_year_end']:
        run_wizard(admin, 'commons.fund.year_end', 'post', {
                'fiscalyear': fiscalyear['id'],
                })
    result = run_wizard(admin, 'account.fr.fec', 'generate', {
            'fiscalyear': fiscalyear['id'],
            'type': 'is-bic',
            'deferral_period': None,
            })
    content = result['view']['defaults']['file']
    assert fec.check(
        content, start_date=dt.date(2023, 1, 1),
        end_date=fiscalyear['end_date']) == []
    accounts = {l.split('\t')[4] for l in content.decode().splitlines()[1:]}
    # The commons' entries are in it: dedicated funds, their allocation,
    # volunteer work valued on both sides, the funders' income
    for prefix in ['19', '689', '86', '87', '7']:
        assert any(a.startswith(prefix) for a in accounts), (prefix, accounts)
