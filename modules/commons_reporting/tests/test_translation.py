# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import os

from trytond.modules.commons_fund.tests.test_translation import (
    TranslationTestCase)


class ReportingTranslationTestCase(TranslationTestCase):
    "Test the translations of the Commons Reporting module"
    module_path = os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))


del TranslationTestCase
