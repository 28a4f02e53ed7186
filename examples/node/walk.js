#!/usr/bin/env node
// Walk a table forwards to its end and back to its start with pg_keyset, from Node (`pg`).
//
//   node walk.js                      # connection from the PG* environment (libpq's variables)
//   node walk.js --relation public.items --sort "created_at desc" --page-size 37 \
//                --order-by "created_at desc, id desc" --tamper-at 3
//
// What it shows:
// - one call per page: keyset.keyset_page with named arguments (after =>, before =>, page_size =>)
//   and parameterized values ($1, $2, ...), never spliced into the SQL text;
// - the page's rows arrive as json, which pg already parses into an array of objects;
// - walking forwards with next_cursor/has_more, and backwards with prev_cursor/has_previous;
// - a cursor the server refuses (SQLSTATE 22023 invalid_parameter_value: damaged, forged, or minted
//   for another listing) means "start again from the first page", decided by err.code alone;
// - with --order-by, a self-check: both walks must equal the same listing read with ORDER BY, and
//   --tamper-at N damages the cursor of page N once, so the restart is exercised too.
// Exits non-zero on any mismatch.
'use strict';

const { Client } = require('pg');

// The extension lives in a schema of its own (README: "Installing and calling"); every call is
// schema-qualified and the relation is cast to regclass, so no overload elsewhere on the
// search_path can capture the call. A named query: pg prepares it once per connection.
const PAGE_QUERY = {
  name: 'keyset_page',
  text: `select rows, next_cursor, has_more, prev_cursor, has_previous
         from keyset.keyset_page($1::regclass,
                                 sort => $2::text,
                                 after => $3::text,
                                 before => $4::text,
                                 page_size => $5::integer,
                                 filter => $6::jsonb)`,
};

const INVALID_CURSOR = '22023'; // invalid_parameter_value: pg_keyset's SQLSTATE for a refused cursor

// One listing (relation, sort, filter, page size): the cursors of one listing do not continue
// another, so everything a cursor is checked against travels together.
class Listing {
  constructor(client, relation, sort, pageSize, filter = null) {
    Object.assign(this, { client, relation, sort, pageSize, filter });
  }

  // One page: { rows, next_cursor, has_more, prev_cursor, has_previous }.
  async page({ after = null, before = null } = {}) {
    const values = [this.relation, this.sort, after, before, this.pageSize,
      this.filter === null ? null : JSON.stringify(this.filter)];
    const res = await this.client.query({ ...PAGE_QUERY, values });
    return res.rows[0];
  }
}

// All rows, first page to last. A refused cursor (22023) restarts the walk from the first page;
// any other error is the caller's problem.
async function walkForwards(listing, tamperAt = null, log = console.log) {
  let restarts = 0;
  for (;;) {
    const rows = [];
    let after = null;
    let n = 0;
    try {
      for (;;) {
        n += 1;
        if (tamperAt !== null && n === tamperAt && after !== null) {
          // A cursor damaged in transit (its last characters replaced): the server refuses it,
          // it is never read as some other position.
          after = after.slice(0, -3) + 'AAA';
          tamperAt = null;
        }
        const page = await listing.page({ after });
        rows.push(...page.rows);
        if (!page.has_more) return { rows, pages: n, restarts };
        after = page.next_cursor;
      }
    } catch (err) {
      if (err.code !== INVALID_CURSOR) throw err;
      restarts += 1;
      log(`page ${n}: SQLSTATE ${err.code}: starting again from the first page`);
    }
  }
}

// The last page, reached from the first by following next_cursor.
async function lastPage(listing) {
  let page = await listing.page();
  while (page.has_more) page = await listing.page({ after: page.next_cursor });
  return page;
}

// All rows, from the last page back to the first, in display order: each page before the one we
// hold comes from `before => prev_cursor`, as a "previous" button would ask for it.
async function walkBackwards(listing, last) {
  const rows = [...last.rows];
  let { prev_cursor: prev, has_previous: hasPrevious } = last;
  let pages = 1;
  while (hasPrevious) {
    const page = await listing.page({ before: prev });
    pages += 1;
    rows.unshift(...page.rows);
    ({ prev_cursor: prev, has_previous: hasPrevious } = page);
  }
  return { rows, pages };
}

function parseArgs(argv) {
  const args = { relation: 'public.items', sort: 'created_at desc', pageSize: 37, key: 'id',
    orderBy: null, tamperAt: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    switch (flag) {
      case '--relation': args.relation = value; break;
      case '--sort': args.sort = value; break;
      case '--page-size': args.pageSize = Number(value); break;
      case '--key': args.key = value; break;
      case '--order-by': args.orderBy = value; break;
      case '--tamper-at': args.tamperAt = Number(value); break;
      default: throw new Error(`unknown argument ${flag}`);
    }
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  // Connection from the PG* environment (PGHOST may be a Unix socket directory).
  const client = new Client();
  await client.connect();
  let failed = false;
  const report = (ok, text) => {
    if (!ok) failed = true;
    console.log(`${ok ? 'ok' : 'not ok'} node ${text}`);
  };
  try {
    const listing = new Listing(client, args.relation, args.sort, args.pageSize);
    const fwd = await walkForwards(listing, args.tamperAt);
    console.log(`forwards: ${fwd.rows.length} rows in ${fwd.pages} pages, ${fwd.restarts} restart(s)`);
    const back = await walkBackwards(listing, await lastPage(listing));
    console.log(`backwards: ${back.rows.length} rows in ${back.pages} pages`);
    if (args.orderBy === null) return 0;

    // The check: the same listing with ORDER BY (the ORDER BY is the test's SQL text; the
    // identifiers are quoted by the client's escapeIdentifier).
    const rel = args.relation.split('.').map((p) => client.escapeIdentifier(p)).join('.');
    const key = client.escapeIdentifier(args.key);
    const expected = (await client.query(`select ${key} as k from ${rel} order by ${args.orderBy}`))
      .rows.map((r) => String(r.k));
    for (const [name, got] of [['forwards', fwd.rows], ['backwards', back.rows]]) {
      const ids = got.map((r) => String(r[args.key]));
      report(ids.length === expected.length && ids.every((v, i) => v === expected[i]),
        `walk ${name} equals ORDER BY ${args.orderBy} (${ids.length} rows, expected ${expected.length})`);
    }
    if (args.tamperAt !== null) {
      report(fwd.restarts === 1, `tampered cursor: 22023, walk restarted from the first page (${fwd.restarts} restart)`);
    }
    // The same refusal, asked directly: a cursor of this listing handed to another listing (the
    // same sort with a filter; the filter is bound into the cursor).
    const other = new Listing(client, args.relation, args.sort, args.pageSize,
      { [args.key]: { 'is not': null } });
    try {
      await other.page({ after: (await listing.page()).next_cursor });
      report(false, 'foreign cursor was accepted');
    } catch (err) {
      report(err.code === INVALID_CURSOR, `foreign cursor: SQLSTATE ${err.code}`);
    }
  } finally {
    await client.end();
  }
  return failed ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (err) => {
  console.error(`error: SQLSTATE ${err.code}: ${err.message}`);
  process.exitCode = 1;
});
