# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import unittest

from trytond.tests.test_tryton import load_doc_tests

MODULE = 'trytond.modules.commons_reporting.tests.test_scenario'


def load_tests(*args, **kwargs):
    return load_doc_tests(__name__, __file__, *args, **kwargs)


def scenarios():
    "Return the doctest cases of the scenarios, as unittest would load them"
    return list(load_doc_tests(
            MODULE, __file__, unittest.TestLoader(), unittest.TestSuite(),
            None))


# pytest does not run load_tests: each scenario is run as a pytest test so
# that none is silently skipped.
try:
    import pytest
except ImportError:
    pass
else:
    @pytest.mark.parametrize(
        'case', scenarios(), ids=lambda c: c.id().rsplit('.', 1)[-1])
    def test_scenario(case):
        result = unittest.TestResult()
        case.run(result)
        problems = result.failures + result.errors
        assert not problems, problems[0][1]
