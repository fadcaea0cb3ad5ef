# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import unittest

from trytond.tests.test_tryton import load_doc_tests

__all__ = ['scenarios', 'run_case', 'scenario_test']


def scenarios(name, path):
    "The doctest cases of the scenarios beside path, as unittest loads them"
    return list(load_doc_tests(
            name, path, unittest.TestLoader(), unittest.TestSuite(), None))


def run_case(case):
    result = unittest.TestResult()
    case.run(result)
    problems = result.failures + result.errors
    assert not problems, problems[0][1]


def scenario_test(name, path):
    """A pytest test run for each scenario beside path

    pytest does not call load_tests: without it no scenario would run.
    """
    import pytest

    @pytest.mark.parametrize(
        'case', scenarios(name, path),
        ids=lambda c: c.id().rsplit('.', 1)[-1])
    def test_scenario(case):
        run_case(case)
    return test_scenario
