#!/usr/bin/env python3
# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark: the public pages against the JSON routes of the same data.

On a database with figures (the demo: ``make demo-db`` builds
var/db/commons_demo.sqlite), the host's page and the page of a resource are
asked through trytond's WSGI application, as a browser would with
``Accept-Language: fr``, and so are the JSON routes that publish the same
figures (``resources`` and ``resources/<code>``).  The time is the time to
the whole answer (the pages are not streamed: first byte = last byte).

Targets: page / JSON <= 2.0 (the page adds the rounds, the pooled funds and,
for a resource, every year of its chart); a page under 200 ms on the demo.

Usage::

    python bench/public_page.py [-c var/trytond.conf] [-d commons_demo]
        [--fiscalyear 2023] [--resource LOOT] [--repeat 20]

It is a benchmark run by hand, not a test.  See bench/README.md.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATIO_TARGET = 2.0
PAGE_TARGET = 0.2


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('-c', '--config', default=str(
            ROOT / 'var' / 'trytond.conf'))
    parser.add_argument('-d', '--database', default='commons_demo')
    parser.add_argument('--company', type=int)
    parser.add_argument('--fiscalyear', default='2023')
    parser.add_argument('--resource', default='LOOT')
    parser.add_argument('--repeat', type=int, default=20)
    return parser.parse_args(argv)


def timed(client, path, headers, repeat):
    "Return the median and the best time of GET path, and its answer"
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        body = response.get_data()
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            sys.exit("%s answered %s: %s" % (
                    path, response.status_code, body[:500]))
    return statistics.median(times), min(times), len(body)


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault('TRYTOND_CONFIG', args.config)
    from trytond import config
    config.update_etc(args.config)
    from werkzeug.test import Client

    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from trytond.wsgi import app

    Pool.start()
    pool = Pool(args.database)
    with Transaction().start(args.database, 0, readonly=True):
        pool.init()
        Company = pool.get('company.company')
        company = args.company or Company.search([], limit=1)[0].id
    client = Client(app)
    base = '/%s/commons/%s/' % (args.database, company)
    query = '?fiscalyear=%s' % args.fiscalyear
    headers = {'Accept-Language': 'fr'}
    pairs = [
        ("host's page", base + query, base + 'resources' + query),
        ("resource page", base + 'page/%s%s' % (args.resource, query),
            base + 'resources/%s%s' % (args.resource, query)),
        ("badge", base + 'badge/%s.svg%s' % (args.resource, query),
            base + 'resources/%s%s' % (args.resource, query)),
        ]
    # Warm the caches of the pool and of the translations
    for _, page, data in pairs:
        timed(client, page, headers, 2)
        timed(client, data, headers, 2)
    failed = False
    print("%-14s %10s %10s %10s %8s %7s" % (
            "", "page ms", "JSON ms", "page best", "bytes", "ratio"))
    for name, page, data in pairs:
        page_time, page_best, size = timed(
            client, page, headers, args.repeat)
        data_time, _, _ = timed(client, data, headers, args.repeat)
        ratio = page_time / data_time
        print("%-14s %10.1f %10.1f %10.1f %8d %7.2f" % (
                name, page_time * 1000, data_time * 1000, page_best * 1000,
                size, ratio))
        failed |= ratio > RATIO_TARGET or page_time > PAGE_TARGET
    print("target: page / JSON <= %.1f, page <= %d ms (median of %d)" % (
            RATIO_TARGET, PAGE_TARGET * 1000, args.repeat))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
