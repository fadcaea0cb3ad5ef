# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import glob
import os
import re
import unittest
from xml.etree import ElementTree

import polib

# Other modules subclass TranslationTestCase with their own module_path
MODULE_PATH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PLACEHOLDER = re.compile(
    r'%(?:\(\w+\))?[#0+-]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]')


def placeholders(text):
    "Return the sorted list of the printf placeholders of text"
    return sorted(m.group() for m in PLACEHOLDER.finditer(text))


def is_text(msgid):
    "Tell if msgid is human text that must be translated"
    return any(c.isalpha() for c in msgid)


def module_messages(module_path):
    "Return the ir.message texts of message.xml by XML id"
    messages = {}
    path = os.path.join(module_path, 'message.xml')
    if not os.path.exists(path):
        return messages
    for record in ElementTree.parse(path).iter('record'):
        if record.get('model') != 'ir.message':
            continue
        for field in record.iter('field'):
            if field.get('name') == 'text':
                messages[record.get('id')] = field.text or ''
    return messages


def view_strings(module_path):
    "Return the string attributes of the views of the module"
    strings = set()
    for path in glob.glob(os.path.join(module_path, 'view', '*.xml')):
        for element in ElementTree.parse(path).iter():
            # The attributes ir.translation extracts from views
            for attribute in ['string', 'confirm', 'help']:
                if element.get(attribute):
                    strings.add(element.get(attribute))
    return strings


def check_translation(module_path, language):
    "Return the list of the problems of the translation into language"
    errors = []
    path = os.path.join(module_path, 'locale', f'{language}.po')
    pofile = polib.pofile(path)

    for entry in pofile:
        if entry.obsolete:
            continue
        name = f'{entry.msgctxt} {entry.msgid!r}'
        if entry.fuzzy:
            errors.append(f'fuzzy: {name}')
        if not entry.msgstr:
            if is_text(entry.msgid):
                errors.append(f'untranslated: {name}')
            continue
        if placeholders(entry.msgid) != placeholders(entry.msgstr):
            errors.append(
                f'placeholders {placeholders(entry.msgid)} '
                f'!= {placeholders(entry.msgstr)}: {name}')

    translated = {
        (e.msgctxt, e.msgid) for e in pofile
        if e.msgstr and not e.obsolete}
    for id_, text in module_messages(module_path).items():
        context = f'model:ir.message,text:{id_}'
        if (context, text) not in translated:
            errors.append(f'message not translated: {id_} {text!r}')

    view_translated = {
        e.msgid for e in pofile
        if e.msgstr and (e.msgctxt or '').startswith('view:')}
    for string in view_strings(module_path):
        if string not in view_translated:
            errors.append(f'view string not translated: {string!r}')
    return errors


class TranslationTestCase(unittest.TestCase):
    "Test the translations of the module"
    module_path = MODULE_PATH

    def languages(self):
        pattern = os.path.join(self.module_path, 'locale', '*.po')
        return sorted(
            os.path.splitext(os.path.basename(p))[0]
            for p in glob.glob(pattern))

    def test_languages(self):
        "Test the module has a French translation"
        self.assertIn('fr', self.languages())

    def test_translations(self):
        "Test the translations are complete and keep the placeholders"
        for language in self.languages():
            with self.subTest(language=language):
                errors = check_translation(self.module_path, language)
                self.assertFalse(errors, '\n'.join(errors))
