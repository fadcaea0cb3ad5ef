#!/usr/bin/env python3
# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark: importing contributions with scripts/import_contributions.py.

Imports 10,000 contributions from a CSV file with the script in-process,
on SQLite and on PostgreSQL, and compares it with a raw batched create of
the same rows through the model (Contribution.create of 1,000 values at a
time, in one transaction).

Target: script time / raw create time <= 2.

Usage::

    python bench/import_contributions.py [--rows 10000]
        [--backends sqlite postgresql] [--repeat 3] [--batch-size 1000]
        [--keep] [--check]

It is a benchmark run by hand, not a test.  See bench/README.md.
"""
import argparse
import importlib.util
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import contribution_data as data

RATIO_TARGET = 2.0
SCRIPT = data.ROOT / 'scripts' / 'import_contributions.py'
DATABASE = 'bench_commons_import'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rows', type=int, default=10_000,
        help="contributions in the file (default: %(default)s)")
    parser.add_argument('--backends', nargs='+',
        default=['sqlite', 'postgresql'],
        choices=['sqlite', 'postgresql'])
    parser.add_argument('--repeat', type=int, default=3,
        help="runs of each measure, the median is kept "
        "(default: %(default)s)")
    parser.add_argument('--batch-size', type=int, default=1000,
        help="rows per create, for both (default: %(default)s)")
    parser.add_argument('--folder', default=None,
        help="where the CSV, configuration and SQLite files go "
        "(default: a temporary folder)")
    parser.add_argument('--keep', action='store_true',
        help="keep the databases (reused by the next run)")
    parser.add_argument('--check', action='store_true',
        help="exit with 1 when the target is missed")
    parser.add_argument('--backend', help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def load_script():
    spec = importlib.util.spec_from_file_location(
        'import_contributions', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_csv(path, rows, resources=20, contributors=500):
    "80 % work (half at the rate grid), 15 % in kind, 5 % cash"
    lines = ['reference;date;contributor;resource;kind;description;'
        'quantity;unit_price;amount;remuneration;in_kind_nature']
    for i in range(rows):
        date = ('%02d/%02d/2024' % (i % 28 + 1, i % 12 + 1) if i % 2
            else '2025-%02d-%02d' % (i % 12 + 1, i % 28 + 1))
        contributor = "Contributor %04d" % (i * 7 % contributors)
        resource = 'R%03d' % (i % resources)
        remuneration = 'paid' if i % 3 else 'volunteer'
        k = i % 20
        if k < 16:
            kind, quantity, price, amount, nature = (
                'work', '%d,%d' % (1 + i % 8, i % 4 * 25), '' if k % 2
                else '42,5', '', '')
        elif k < 19:
            kind, quantity, price, amount, nature = (
                'in_kind', '%d' % (1 + i % 3), '"1 2%02d,50"' % (i % 100),
                '', 'goods' if i % 2 else 'service')
            remuneration = 'volunteer'
        else:
            kind, quantity, price, amount, nature = (
                'cash', '', '', '%d,00' % (10 + i % 90), '')
            remuneration = 'volunteer'
        lines.append(';'.join([
                    'BENCH-%06d' % i, date, contributor, resource, kind,
                    'Contribution n°%d' % i, quantity, price, amount,
                    remuneration, nature]))
    Path(path).write_text('\n'.join(lines) + '\n', encoding='utf-8')


class Options:
    "The options of the script for the raw create"
    create_contributors = False
    submit = False


def run_backend(args):
    "Measure on one backend (in its own process); print JSON results"
    from proteus import config as pconfig
    backend = args.backend
    folder = Path(args.folder)
    config_file = data.write_config(backend, folder)
    name = DATABASE
    if backend == 'postgresql':
        os.environ['TRYTOND_DATABASE_URI'] = config_file.read_text(
            ).split('=', 1)[1].strip()
    built = False
    if not data.database_exists(backend, name, folder):
        data.create_database(backend, name, config_file, folder)
        built = True
    csv_path = folder / ('contributions-%d.csv' % args.rows)
    write_csv(csv_path, args.rows)

    started = time.perf_counter()
    config = pconfig.set_trytond(name, config_file=str(config_file))
    pool_load = time.perf_counter() - started
    if not data.has_company(config.pool, name):
        data.setup_records(config.pool, name)
        config = pconfig.set_trytond(name, config_file=str(config_file))
    data.clear_contributions(config.pool, name)
    imp = load_script()

    # The values the script creates, resolved once for the raw create
    rows = imp.parse(csv_path.read_bytes(), str(csv_path))
    backend_ = imp.TrytondBackend(config)
    backend_.begin()
    importer = imp.Importer(backend_, rows, Options)
    importer.resolve()
    backend_.finish(False)
    bad = [r for r in rows if not r.ok]
    assert not bad, [(r.line, r.errors) for r in bad[:5]]
    vlist = [importer.values(r) for r in rows]
    company = rows[0].values['company']

    def raw_create():
        from trytond.transaction import Transaction
        pool = config.pool
        start = time.perf_counter()
        with Transaction().start(
                name, config.user,
                context=dict(config.context, company=company)) as transaction:
            Contribution = pool.get('commons.contribution')
            for i in range(0, len(vlist), args.batch_size):
                Contribution.create(vlist[i:i + args.batch_size])
            transaction.commit()
        return time.perf_counter() - start

    def script():
        # The script's main() in this process, on the loaded pool
        imp.connect = lambda options: imp.TrytondBackend(config)
        out, err = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        status = imp.main([
                '-c', str(config_file), '-d', name,
                '--batch-size', str(args.batch_size), str(csv_path)],
            out=out, err=err)
        duration = time.perf_counter() - start
        assert status == 0, out.getvalue() + err.getvalue()[-2000:]
        assert count() == args.rows, out.getvalue()
        return duration

    def count():
        from trytond.transaction import Transaction
        with Transaction().start(name, 0, readonly=True) as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute('SELECT COUNT(*) FROM commons_contribution')
            return cursor.fetchone()[0]

    def second_run():
        "The script again on the imported rows: everything already there"
        imp.connect = lambda options: imp.TrytondBackend(config)
        out = io.StringIO()
        start = time.perf_counter()
        status = imp.main(['-d', name, str(csv_path)], out=out,
            err=io.StringIO())
        duration = time.perf_counter() - start
        assert status == 0 and count() == args.rows, out.getvalue()
        return duration

    # Warm-up: the caches of the pool and of the database
    raw_create()
    data.clear_contributions(config.pool, name)
    times = {'raw': [], 'script': [], 'again': []}
    for i in range(args.repeat):
        times['raw'].append(raw_create())
        assert count() == args.rows
        data.clear_contributions(config.pool, name)
        times['script'].append(script())
        times['again'].append(second_run())
        data.clear_contributions(config.pool, name)
        data.log("%s round %d/%d: raw create %.2f s, script %.2f s",
            backend, i + 1, args.repeat, times['raw'][-1],
            times['script'][-1])

    # The command as a user runs it: a new process that loads the pool
    env = {k: v for k, v in os.environ.items()
        if not k.startswith('TRYTOND_')}
    start = time.perf_counter()
    result = subprocess.run([
            sys.executable, str(SCRIPT), '-c', str(config_file), '-d', name,
            str(csv_path)], env=env, capture_output=True, text=True)
    command = time.perf_counter() - start
    assert result.returncode == 0, result.stderr[-2000:]
    assert count() == args.rows
    if not args.keep:
        data.clear_contributions(config.pool, name)
    results = {k: statistics.median(v) for k, v in times.items()}
    results.update({k + '_min': min(v) for k, v in times.items()})
    results.update(command=command, pool_load=pool_load, rows=args.rows,
        built=built)
    print(json.dumps(results))


def main(argv=None):
    args = parse_args(argv)
    if args.backend:
        return run_backend(args)
    folder = Path(args.folder or tempfile.mkdtemp(prefix='bench-import-'))
    results = {}
    try:
        for backend in args.backends:
            data.log("%s: %d contributions, %d repetitions", backend,
                args.rows, args.repeat)
            cmd = [sys.executable, __file__, '--backend', backend,
                '--folder', str(folder), '--rows', str(args.rows),
                '--repeat', str(args.repeat),
                '--batch-size', str(args.batch_size)]
            if args.keep:
                cmd.append('--keep')
            output = subprocess.run(
                cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
            results[backend] = json.loads(output.strip().splitlines()[-1])
    finally:
        if not args.keep:
            if 'postgresql' in args.backends:
                os.environ.setdefault('TRYTOND_DATABASE_URI', data.PG_URI)
                try:
                    data.drop('postgresql', DATABASE, folder)
                except Exception as exception:
                    data.log("could not drop %s: %s", DATABASE, exception)
            if not args.folder:
                import shutil
                shutil.rmtree(folder, ignore_errors=True)
    return report(args, results)


def report(args, results):
    ok = True
    print()
    print("Import of %s contributions (median of %d; min in brackets)" % (
            '{:,}'.format(args.rows), args.repeat))
    header = '%-42s' + ' %22s' * len(results)
    print(header % ('', *results))

    def row(label, func):
        print(header % (label, *[func(r) for r in results.values()]))
    row("raw batched Contribution.create (b)", lambda r: '%.2f s (%.2f)' % (
            r['raw'], r['raw_min']))
    row("  rows/s", lambda r: '%.0f' % (r['rows'] / r['raw']))
    row("script main() in-process (a)", lambda r: '%.2f s (%.2f)' % (
            r['script'], r['script_min']))
    row("  rows/s", lambda r: '%.0f' % (r['rows'] / r['script']))
    row("second run, all already there", lambda r: '%.2f s' % r['again'])
    row("command line (new process, pool load)",
        lambda r: '%.2f s' % r['command'])
    row("  of which loading the pool (about)",
        lambda r: '%.2f s' % r['pool_load'])
    verdicts = {}
    for backend, r in results.items():
        ratio = r['script'] / r['raw']
        verdicts[backend] = ratio <= RATIO_TARGET
        ok &= verdicts[backend]
    row("ratio a/b (target <= %.1f)" % RATIO_TARGET, lambda r: '%.2f %s' % (
            r['script'] / r['raw'],
            'PASS' if r['script'] / r['raw'] <= RATIO_TARGET else 'FAIL'))
    row("ratio of the minimums", lambda r: '%.2f' % (
            r['script_min'] / r['raw_min']))
    print("verdict: %s" % ('target met' if ok else 'target missed'))
    return 1 if args.check and not ok else 0


if __name__ == '__main__':
    sys.exit(main())
