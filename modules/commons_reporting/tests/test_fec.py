# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import unittest
from pathlib import Path

from trytond.modules import account_fr

from . import fec

SAMPLE = Path(account_fr.__file__).parent / 'tests' / 'FEC.csv'


class FECRulesTestCase(unittest.TestCase):
    "The format rules of the FEC, tried on account_fr's own sample"

    def setUp(self):
        self.content = SAMPLE.read_text('utf-8').format(
            current_date='20180105')
        self.lines = self.content.splitlines()

    def check(self, lines=None, **kwargs):
        content = '\n'.join(lines or self.lines) + '\n'
        return fec.check(content.encode('utf-8'), **kwargs)

    def replace(self, index, column, value):
        lines = list(self.lines)
        values = lines[index].split('\t')
        values[column] = value
        lines[index] = '\t'.join(values)
        return lines

    def test_sample(self):
        "core's sample keeps every rule"
        self.assertEqual(self.check(
                start_date=dt.date(2018, 1, 1),
                end_date=dt.date(2018, 12, 31)), [])

    def test_header(self):
        "the 18 fields in order"
        lines = self.replace(0, 0, 'Journal')
        self.assertIn("header", self.check(lines)[0])

    def test_separator(self):
        "a tabulation or a vertical bar"
        lines = [l.replace('\t', ';') for l in self.lines]
        self.assertIn("tabulation", self.check(lines)[0])
        lines = [l.replace('\t', '|') for l in self.lines]
        self.assertEqual(self.check(lines), [])

    def test_date(self):
        "dates AAAAMMJJ within the fiscal year"
        lines = self.replace(2, 3, '18.01.2018')
        self.assertIn("EcritureDate '18.01.2018' is not a date",
            ' '.join(self.check(lines)))
        self.assertIn("outside the fiscal year", ' '.join(self.check(
                    start_date=dt.date(2019, 1, 1),
                    end_date=dt.date(2019, 12, 31))))

    def test_amount(self):
        "amounts with a comma, no thousands separator, balanced entries"
        lines = self.replace(2, 12, '10.00')
        self.assertIn("Credit '10.00' is not an amount",
            ' '.join(self.check(lines)))
        lines = self.replace(2, 12, '11,00')
        self.assertIn("is not balanced", ' '.join(self.check(lines)))

    def test_gap(self):
        "entry numbers without gap"
        lines = [l for l in self.lines if l.split('\t')[2] != '2']
        self.assertIn("gaps: 2", ' '.join(self.check(lines)))

    def test_filename(self):
        "SirenFECAAAAMMJJ of the closing date"
        self.assertEqual(self.check(
                filename='820043784FEC20181231.csv', siren='820043784',
                end_date=dt.date(2018, 12, 31)), [])
        self.assertIn("closing date", ' '.join(self.check(
                    filename='820043784FEC20181130.csv',
                    end_date=dt.date(2018, 12, 31))))
        self.assertIn("is not SirenFECAAAAMMJJ", ' '.join(self.check(
                    filename='820 043 784FEC20181231.csv')))
