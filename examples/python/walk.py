#!/usr/bin/env python3
"""Walk a table forwards to its end and back to its start with pg_keyset, from psycopg 3.

    python walk.py                      # connection from the PG* environment (libpq's rules)
    python walk.py --relation public.items --sort "created_at desc" --page-size 37 \
                   --order-by "created_at desc, id desc" --tamper-at 3

What it shows:
- one call per page: keyset.keyset_page with named arguments (after =>, before =>, page_size =>),
  values bound server-side (psycopg 3 sends them as parameters of the extended protocol, never
  spliced into the SQL text);
- the page's rows arrive as json, which psycopg already turns into Python lists and dicts;
- walking forwards with next_cursor/has_more, and backwards with prev_cursor/has_previous;
- a cursor the server refuses (SQLSTATE 22023 invalid_parameter_value: damaged, forged, or minted
  for another listing) means "start again from the first page", decided by the SQLSTATE alone;
- with --order-by, a self-check: both walks must equal the same listing read with ORDER BY, and
  --tamper-at N damages the cursor of page N once, so the restart is exercised too.
Exits non-zero on any mismatch.
"""

import argparse
import sys

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

# The extension lives in a schema of its own (README: "Installing and calling"); every call is
# schema-qualified and the relation is cast to regclass, so no overload elsewhere on the
# search_path can capture the call.
PAGE_SQL = """
select rows, next_cursor, has_more, prev_cursor, has_previous
from keyset.keyset_page(%(relation)s::regclass,
                        sort => %(sort)s,
                        after => %(after)s,
                        before => %(before)s,
                        page_size => %(page_size)s::integer,
                        filter => %(filter)s)
"""

INVALID_CURSOR = "22023"  # invalid_parameter_value: pg_keyset's SQLSTATE for a refused cursor


class Listing:
    """One listing (relation, sort, filter, page size): the cursors of one listing do not
    continue another, so everything a cursor is checked against travels together."""

    def __init__(self, conn, relation, sort, page_size, filter_=None):
        self.conn = conn
        self.relation = relation
        self.sort = sort
        self.page_size = page_size
        self.filter = filter_

    def page(self, after=None, before=None):
        """One page as a dict: rows, next_cursor, has_more, prev_cursor, has_previous."""
        params = {
            "relation": self.relation,
            "sort": self.sort,
            "after": after,
            "before": before,
            "page_size": self.page_size,
            "filter": Jsonb(self.filter) if self.filter is not None else None,
        }
        # prepare=True: a prepared statement on the server, the arguments bound to it.
        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(PAGE_SQL, params, prepare=True)
            return cur.fetchone()


def walk_forwards(listing, tamper_at=None, log=print):
    """All rows, first page to last. A refused cursor (22023) restarts the walk from the first
    page; any other error is the caller's problem."""
    restarts = 0
    while True:
        rows, after, n = [], None, 0
        try:
            while True:
                n += 1
                if tamper_at is not None and n == tamper_at and after is not None:
                    # A cursor damaged in transit (its last characters replaced): the server
                    # refuses it, it is never read as some other position.
                    after = after[:-3] + "AAA"
                    tamper_at = None
                page = listing.page(after=after)
                rows.extend(page["rows"])
                if not page["has_more"]:
                    return rows, n, restarts
                after = page["next_cursor"]
        except psycopg.Error as e:
            if e.sqlstate != INVALID_CURSOR:
                raise
            restarts += 1
            log(f"page {n}: SQLSTATE {e.sqlstate} ({type(e).__name__}): starting again from the first page")


def walk_backwards(listing, last_page_rows, prev_cursor, has_previous):
    """All rows, from the last page back to the first, in display order: each page before the
    one we hold comes from `before => prev_cursor`, as a "previous" button would ask for it."""
    rows = list(last_page_rows)
    pages = 1
    while has_previous:
        page = listing.page(before=prev_cursor)
        pages += 1
        rows[:0] = page["rows"]
        prev_cursor, has_previous = page["prev_cursor"], page["has_previous"]
    return rows, pages


def last_page(listing):
    """The last page, reached from the first by following next_cursor."""
    page = listing.page()
    while page["has_more"]:
        page = listing.page(after=page["next_cursor"])
    return page


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsn", default="", help="libpq connection string (default: the PG* environment)")
    ap.add_argument("--relation", default="public.items")
    ap.add_argument("--sort", default="created_at desc")
    ap.add_argument("--page-size", type=int, default=37)
    ap.add_argument("--key", default="id", help="the key column the rows are compared by")
    ap.add_argument("--order-by", help="the same listing as an ORDER BY, to check the walks against")
    ap.add_argument("--tamper-at", type=int, help="damage the cursor of this page once (>= 2)")
    args = ap.parse_args()

    # autocommit: each page is its own statement (and snapshot); a walk needs no transaction,
    # the cursor carries it. An error then leaves no aborted transaction behind.
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        listing = Listing(conn, args.relation, args.sort, args.page_size)
        forward, pages, restarts = walk_forwards(listing, tamper_at=args.tamper_at)
        print(f"forwards: {len(forward)} rows in {pages} pages, {restarts} restart(s)")

        end = last_page(listing)
        backward, back_pages = walk_backwards(listing, end["rows"], end["prev_cursor"], end["has_previous"])
        print(f"backwards: {len(backward)} rows in {back_pages} pages")

        if not args.order_by:
            return 0
        failed = False
        query = sql.SQL("select {key} from {rel} order by {order}").format(
            key=sql.Identifier(args.key),
            rel=sql.SQL(".").join(sql.Identifier(p) for p in args.relation.split(".")),
            # The ORDER BY comes from whoever runs the check (the test), as SQL text.
            order=sql.SQL(args.order_by),
        )
        expected = [r[0] for r in conn.execute(query)]
        got_fwd = [r[args.key] for r in forward]
        got_back = [r[args.key] for r in backward]
        for name, got in (("forwards", got_fwd), ("backwards", got_back)):
            if got == expected:
                print(f"ok python walk {name} equals ORDER BY {args.order_by} ({len(got)} rows)")
            else:
                failed = True
                print(f"not ok python walk {name}: {len(got)} rows, expected {len(expected)}")
        if args.tamper_at:
            if restarts == 1:
                print("ok python tampered cursor: 22023, walk restarted from the first page")
            else:
                failed = True
                print(f"not ok python tampered cursor: {restarts} restarts, expected 1")
        # The same refusal, asked directly: a cursor of this listing handed to another listing
        # (the same sort with a filter; the filter is bound into the cursor).
        other = Listing(conn, args.relation, args.sort, args.page_size, {args.key: {"is not": None}})
        try:
            other.page(after=listing.page()["next_cursor"])
            failed = True
            print("not ok python foreign cursor was accepted")
        except psycopg.Error as e:
            if e.sqlstate == INVALID_CURSOR:
                print(f"ok python foreign cursor: SQLSTATE {e.sqlstate}")
            else:
                failed = True
                print(f"not ok python foreign cursor: SQLSTATE {e.sqlstate}, expected {INVALID_CURSOR}")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
