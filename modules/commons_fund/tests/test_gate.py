# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import ast
import unittest
from pathlib import Path

import trytond.modules

MODULES = ['commons_fund', 'commons_contribution', 'commons_reciprocity',
    'commons_reporting']
WRITES = {'create', 'write', 'delete', 'save', 'copy', 'import_data'}
SQL_WRITES = {'insert', 'update', 'delete'}


def sources():
    for name in MODULES:
        path = Path(trytond.modules.__path__[0]) / name
        for source in sorted(path.glob('*.py')):
            yield source


class _Writers(ast.NodeVisitor):
    "Find what writes the fund ledger in one file"

    def __init__(self):
        self.names = set()
        self.tables = set()
        self.found = []
        self.function = None
        self.klass = None

    def visit_ClassDef(self, node):
        klass, self.klass = self.klass, node
        self.generic_visit(node)
        self.klass = klass

    def visit_FunctionDef(self, node):
        function, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = function

    def _is_fund_line(self, node):
        return (isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == 'get'
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == 'commons.fund.line')

    def _in_fund_line_class(self):
        return self.klass is not None and any(
            isinstance(s, ast.Assign)
            and any(getattr(t, 'id', None) == '__name__' for t in s.targets)
            and getattr(s.value, 'value', None) == 'commons.fund.line'
            for s in self.klass.body)

    def visit_Assign(self, node):
        if self._is_fund_line(node.value):
            self.names.update(
                t.id for t in node.targets if isinstance(t, ast.Name))
        value = node.value
        # FundLine.__table__() or cls.__table__() of the fund line class
        if (isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute)
                and value.func.attr == '__table__'
                and isinstance(value.func.value, ast.Name)
                and (value.func.value.id in self.names
                    or (value.func.value.id == 'cls'
                        and self._in_fund_line_class()))):
            self.tables.update(
                t.id for t in node.targets if isinstance(t, ast.Name))
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(
                func.value, ast.Name):
            owner, method = func.value.id, func.attr
            if owner in self.names and method in WRITES:
                self.found.append((node.lineno, '%s.%s' % (owner, method)))
            elif (owner == 'cls' and method in WRITES
                    and self._in_fund_line_class()
                    and self.function != 'book'):
                self.found.append((node.lineno, 'cls.%s in %s' % (
                            method, self.function)))
            elif owner in self.tables and method in SQL_WRITES:
                self.found.append((node.lineno, 'SQL %s' % method))
        self.generic_visit(node)


class FundLineGateTestCase(unittest.TestCase):
    "Test that the gate is the only writer of the fund ledger"

    def test_only_book_writes_fund_lines(self):
        "No code of the modules writes fund lines but FundLine.book"
        found = []
        for source in sources():
            writers = _Writers()
            writers.visit(ast.parse(source.read_text(), str(source)))
            found.extend(
                '%s:%s: %s' % (source.name, line, what)
                for line, what in writers.found)
        self.assertEqual(found, [])

    def test_finds_a_writer(self):
        "The check finds a direct create and a raw insert"
        writers = _Writers()
        writers.visit(ast.parse(
                "def f(pool):\n"
                "    Line = pool.get('commons.fund.line')\n"
                "    Line.create([{}])\n"
                "    line = Line.__table__()\n"
                "    cursor.execute(*line.insert([], []))\n"))
        self.assertEqual(
            [w for _, w in writers.found], ['Line.create', 'SQL insert'])
