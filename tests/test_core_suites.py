# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Core's own tests and scenarios of product, account_invoice and account_fr
run with the four commons modules activated, as on the database of a user who
adds them to an existing Tryton: what core promises must still hold.
"""
import importlib
from pathlib import Path

import pytest

from trytond.modules.account.tests import tools as account_tools
from trytond.modules.account_invoice.tests.tools import (
    set_fiscalyear_invoice_sequences)
from trytond.modules.commons_fund.tests import run_case, scenarios
from trytond.tests import test_tryton, tools

ROOT = Path(__file__).resolve().parents[1]
COMMONS = sorted(
    p.parent.name for p in (ROOT / 'modules').glob('commons_*/tryton.cfg'))
CORE = ['product', 'account_invoice', 'account_fr']


def core_test_cases(module):
    "Core's ModuleTestCase classes of module, the commons modules as extras"
    tests = importlib.import_module(
        'trytond.modules.%s.tests.test_module' % module)
    for name, cls in sorted(vars(tests).items()):
        if (isinstance(cls, type)
                and issubclass(cls, test_tryton.ModuleTestCase)
                and cls.__module__ == tests.__name__):
            yield type('Commons' + name, (cls,), {
                    'extras': list(cls.extras or []) + COMMONS,
                    '__module__': __name__,
                    '__qualname__': 'Commons' + name,
                    })


for _module in CORE:
    for _case in core_test_cases(_module):
        globals()[_case.__name__] = _case
del _module, _case


def core_scenarios(module):
    name = 'trytond.modules.%s.tests.test_scenario' % module
    return scenarios(name, importlib.import_module(name).__file__)


def scenario_id(case):
    path = Path(case._dt_test.filename)
    return '%s:%s' % (path.parent.parent.name, path.stem)


def cases():
    for module in CORE:
        yield from core_scenarios(module)


@pytest.mark.parametrize('case', list(cases()), ids=scenario_id)
def test_core_scenario(case, monkeypatch):
    "Core's scenario with the commons modules activated beside its own"
    activate_modules = tools.activate_modules
    create_fiscalyear = account_tools.create_fiscalyear

    def activate_with_commons(modules, *setup):
        if isinstance(modules, str):
            modules = [modules]
        return activate_modules(
            list(modules) + [m for m in COMMONS if m not in modules], *setup)

    def create_fiscalyear_with_sequences(*args, **kwargs):
        return set_fiscalyear_invoice_sequences(
            create_fiscalyear(*args, **kwargs))

    monkeypatch.setattr(tools, 'activate_modules', activate_with_commons)
    if 'account_fr' in Path(case._dt_test.filename).parts:
        # account_fr's scenarios do not activate account_invoice, which the
        # commons modules need: their fiscal years get the invoice
        # sequences as account_invoice's own scenarios give them
        monkeypatch.setattr(
            account_tools, 'create_fiscalyear',
            create_fiscalyear_with_sequences)
    run_case(case)
