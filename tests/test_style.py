# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The Python of the repository passes flake8 and isort as Tryton core
configures them (.flake8 and .isort.cfg at the root, copied from core's)"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return subprocess.run(
        [sys.executable, '-m', *args], cwd=ROOT, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=600)


def test_flake8():
    result = run('flake8', '.')
    assert result.returncode == 0, result.stdout + result.stderr


def test_isort():
    result = run('isort', '--check-only', '--diff', '.')
    assert result.returncode == 0, result.stdout + result.stderr
