# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import glob
import os
import re
import unittest

import polib

from .test_translation import MODULE_PATH, PLACEHOLDER

GLOSSARY = os.path.join(MODULE_PATH, 'doc', 'glossary.rst')
# The four commons modules sit side by side
MODULES = sorted(
    os.path.dirname(os.path.dirname(p)) for p in glob.glob(os.path.join(
            os.path.dirname(os.path.realpath(MODULE_PATH)), 'commons_*',
            'locale', 'fr.po')))
LABEL_WORDS = 5
# Names the law fixes, kept as it writes them
FIXED_NAMES = re.compile(
    r"reconnue? d'utilité publique", re.IGNORECASE)


def read_glossary(path=GLOSSARY):
    """Return the rows of the glossary's table as
    (english, french, scope, [variants not used])"""
    rows, row = [], None
    with open(path, encoding='utf-8') as fp:
        for line in fp:
            match = re.match(r'^\s*(\*)?\s+- ?(.*)$', line)
            if not match or not line.strip().startswith(('*', '-')):
                continue
            if match.group(1):
                row = []
                rows.append(row)
            row.append(match.group(2).strip())
    header, *rows = rows
    return [
        (english, french, scope,
            [v.strip() for v in variants.split(',') if v.strip()])
        for english, french, scope, variants in rows]


def english_pattern(term):
    "Match the English term, its plural and possessive, in any case"
    words = [re.escape(w) for w in term.split()]
    return re.compile(
        r'\b%s(?:s|\'s)?\b' % r'[\s-]+'.join(words), re.IGNORECASE)


def french_pattern(term):
    "Match the French term, its plural and its feminine, in any case"
    words = [re.escape(w) + r'(?:e|s|es|x)?' for w in term.split()]
    return re.compile(
        r'(?<!\w)%s(?!\w)' % r'\s+'.join(words), re.IGNORECASE)


def is_label(text):
    "Tell if the text is a label rather than a sentence"
    return len(text.split()) <= LABEL_WORDS and not text.endswith('.')


def strip_placeholders(text):
    return PLACEHOLDER.sub('', text)


def check_glossary(pofiles, glossary):
    "Return the translations that do not follow the glossary"
    terms = sorted(glossary, key=lambda r: len(r[0]), reverse=True)
    terms = [
        (english, english_pattern(english), french, french_pattern(french),
            scope, [(v, french_pattern(v)) for v in variants])
        for english, french, scope, variants in terms]
    errors = []
    for path in pofiles:
        module = os.path.basename(os.path.dirname(os.path.dirname(path)))
        for entry in polib.pofile(path):
            if entry.obsolete or not entry.msgstr:
                continue
            msgid = strip_placeholders(entry.msgid)
            msgstr = FIXED_NAMES.sub(' ', strip_placeholders(entry.msgstr))
            name = f'{module} {entry.msgctxt} {entry.msgid!r}'
            for english, pattern, french, french_re, scope, variants in (
                    terms):
                for variant, variant_re in variants:
                    if variant_re.search(msgstr):
                        errors.append(
                            f'{variant!r} is not used, say {french!r}: '
                            f'{name} -> {entry.msgstr!r}')
                if not pattern.search(msgid):
                    continue
                # A longer term holds the shorter ones it contains
                msgid = pattern.sub(' ', msgid)
                if scope == 'labels' and not is_label(entry.msgid):
                    continue
                if not french_re.search(msgstr):
                    errors.append(
                        f'{english!r} is {french!r}: '
                        f'{name} -> {entry.msgstr!r}')
    return errors


class GlossaryTestCase(unittest.TestCase):
    "Test the French translations follow the glossary"

    def test_glossary_read(self):
        "The glossary has the terms of the design"
        glossary = {e: f for e, f, _, _ in read_glossary()}
        self.assertEqual(glossary['Fiscal Year'], 'exercice')
        self.assertEqual(glossary['Gap'], 'reste à financer')
        self.assertEqual(glossary['Allocation'], 'répartition')

    def test_patterns(self):
        "The terms are found in their plural and feminine forms"
        self.assertTrue(english_pattern('Fiscal Year').search(
                "The fiscal years of the company"))
        self.assertFalse(english_pattern('Kind').search("kindly"))
        self.assertTrue(french_pattern('acquis').search("Acquises"))
        self.assertTrue(french_pattern('exercice').search("l'exercice"))
        self.assertFalse(french_pattern('réparti').search("répartition"))

    def test_check(self):
        "A translation without its term or with a variant is reported"
        glossary = [
            ('Fiscal Year', 'exercice', 'all', ['année fiscale']),
            ('Kind', 'type', 'labels', ['genre']),
            ]
        path = os.path.join(self.id() + '.po')
        pofile = polib.POFile()
        for msgid, msgstr in [
                ("Fiscal Year", "Année fiscale"),
                ("Kind", "Type"),
                ("Kind", "Nature"),
                ("The kind of money.", "La nature de l'argent."),
                ]:
            pofile.append(polib.POEntry(
                    msgctxt=msgid + msgstr, msgid=msgid, msgstr=msgstr))
        pofile.save(path)
        self.addCleanup(os.remove, path)
        errors = check_glossary([path], glossary)
        self.assertEqual(len(errors), 3, errors)

    def test_modules(self):
        "The four commons modules are checked"
        self.assertEqual(len(MODULES), 4, MODULES)

    def test_translations(self):
        "The French translations of the four modules follow the glossary"
        errors = check_glossary(
            [os.path.join(m, 'locale', 'fr.po') for m in MODULES],
            read_glossary())
        self.assertFalse(errors, '\n'.join(errors))
