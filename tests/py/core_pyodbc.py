"""pyodbc against auroraodbc: types, executemany, unicode, errors, catalog, cancel, timeout.

Usage: core_pyodbc.py "<connection string>" "<connection string with a wrong password>"
Prints one line per check and "all passed" at the end; any failure raises.
"""
import datetime
import decimal
import math
import sys
import threading
import time
import uuid

import pyodbc

CS, BAD_CS = sys.argv[1], sys.argv[2]


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok", what.split("\n")[0][:100])


def sqlstate(err):
    return err.args[0] if err.args else ""


def expect_error(fn, state, what):
    try:
        fn()
    except pyodbc.Error as e:
        check(sqlstate(e) == state, f"{what}: SQLSTATE {state} (got {sqlstate(e)}: {e})")
        return e
    raise AssertionError(f"{what}: no error raised")


cn = pyodbc.connect(CS, autocommit=True)
cur = cn.cursor()
check(cn.getinfo(pyodbc.SQL_DBMS_NAME) == "PostgreSQL", "DBMS name")

# ---------------------------------------------------------------------------- DDL and types
cur.execute("DROP SCHEMA IF EXISTS pyt CASCADE")
cur.execute("CREATE SCHEMA pyt")
cur.execute(
    """CREATE TABLE pyt.alltypes (
        id int4 PRIMARY KEY, b bool, i2 int2, i4 int4, i8 int8, n numeric(20,6), f4 float4,
        f8 float8, t text, vc varchar(40), c char(5), by bytea, d date, tm time, ts timestamp,
        tz timestamptz, iv interval, u uuid, j json, jb jsonb, o oid, arr int4[], ip inet)"""
)
cur.execute("CREATE INDEX alltypes_i4 ON pyt.alltypes (i4)")
cur.execute("CREATE TABLE pyt.child (cid int PRIMARY KEY, parent int REFERENCES pyt.alltypes(id))")

u = uuid.UUID("12345678-1234-5678-9abc-def012345678")
ts = datetime.datetime(2024, 2, 29, 13, 14, 15, 123456)
row = (
    1, True, -12345, 2147483647, -9223372036854775807, decimal.Decimal("12345678901234.123456"),
    1.5, math.pi, "hello", "v" * 30, "ab", b"\x00\x01\xfe\xff", datetime.date(2024, 2, 29),
    datetime.time(13, 14, 15), ts, ts, "1 day 02:03:04", u, '{"a": 1}', '{"b": [1, 2]}',
    4000000000, "{1,2,3}", "192.168.1.1",
)
cur.execute("INSERT INTO pyt.alltypes VALUES (" + ",".join("?" * len(row)) + ")", row)
check(cur.rowcount == 1, "insert of every type: rowcount 1")
cur.execute("INSERT INTO pyt.alltypes (id) VALUES (?)", 2)

got = cur.execute("SELECT * FROM pyt.alltypes WHERE id = ?", 1).fetchone()
check(got.b is True, "bool")
check(got.i2 == -12345 and got.i4 == 2147483647 and got.i8 == -9223372036854775807, "int2/4/8")
check(got.n == decimal.Decimal("12345678901234.123456"), f"numeric exact: {got.n!r}")
check(got.f4 == 1.5 and got.f8 == math.pi, "float4/8")
check(got.t == "hello" and got.vc == "v" * 30 and got.c == "ab   ", f"text/varchar/char: {got.c!r}")
check(got.by == b"\x00\x01\xfe\xff", f"bytea: {got.by!r}")
check(got.d == datetime.date(2024, 2, 29), "date")
check(got.tm == datetime.time(13, 14, 15), f"time: {got.tm!r}")
check(got.ts == ts, f"timestamp: {got.ts!r}")
# timestamptz: the naive parameter was taken in the session's time zone, and read through ODBC
# the value comes back as the wall time of the session's zone, as psql shows it and psqlODBC
# gives it: the server's default zone first, then one far from UTC.
def wall_time(zone_sql):
    text = cur.execute(
        f"SELECT to_char(tz AT TIME ZONE {zone_sql}, 'YYYY-MM-DD HH24:MI:SS.US') FROM pyt.alltypes WHERE id = 1").fetchval()
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")
as_session = wall_time("current_setting('TimeZone')")
check(got.tz == as_session and got.tz.tzinfo is None, f"timestamptz as the session's wall time {as_session!r}: {got.tz!r}")
cur.execute("SET TIME ZONE 'America/New_York'")
in_new_york = cur.execute("SELECT tz FROM pyt.alltypes WHERE id = 1").fetchval()
as_new_york = wall_time("'America/New_York'")
cur.execute("RESET TIME ZONE")
check(in_new_york == as_new_york and as_new_york != wall_time("'UTC'"),
      f"timestamptz after SET TIME ZONE, New York's wall time {as_new_york!r}: {in_new_york!r}")
check(got.iv == "1 day 02:03:04", f"interval as text: {got.iv!r}")
check(str(got.u).lower() == str(u), f"uuid: {got.u!r}")
check(got.j == '{"a": 1}' and got.jb == '{"b": [1, 2]}', "json/jsonb")
check(got.o == 4000000000, f"oid: {got.o!r}")
check(got.arr == "{1,2,3}", f"array as text: {got.arr!r}")
check(got.ip == "192.168.1.1", f"inet as text: {got.ip!r}")
nulls = cur.execute("SELECT * FROM pyt.alltypes WHERE id = 2").fetchone()
check(all(v is None for v in list(nulls)[1:]), "NULL in every type")
check(cur.execute("SELECT ?::int + 1", 41).fetchval() == 42, "parameter in expression")

# Long values go through data at execution (pyodbc sends strings longer than the VARCHAR size
# SQLGetTypeInfo reports with SQLPutData).
long_text = "x" * 5000 + "é" * 3000
long_bytes = bytes(range(256)) * 40
cur.execute("INSERT INTO pyt.alltypes (id, t, by) VALUES (?, ?, ?)", 3, long_text, long_bytes)
back = cur.execute("SELECT t, by FROM pyt.alltypes WHERE id = 3").fetchone()
check(back.t == long_text and back.by == long_bytes, "long text and bytea round trip (data at execution)")

# ---------------------------------------------------------------------------- unicode
samples = ["héllo wörld", "日本語テキスト", "emoji \U0001F600 and clef \U0001D11E", "Ω≈ç√∫"]
cur.execute("CREATE TABLE pyt.uni (id int, s text, v varchar(20))")
for i, s in enumerate(samples):
    cur.execute("INSERT INTO pyt.uni VALUES (?, ?, ?)", i, s, s[:20])
for i, s in enumerate(samples):
    r = cur.execute("SELECT s, v, length(s) FROM pyt.uni WHERE id = ?", i).fetchone()
    check(r[0] == s and r[1] == s[:20] and r[2] == len(s), f"unicode round trip {s!r}")
check(cur.execute("SELECT s FROM pyt.uni WHERE s = ?", samples[2]).fetchval() == samples[2], "non-BMP parameter in WHERE")

# ---------------------------------------------------------------------------- executemany
cur.execute("CREATE TABLE pyt.many (id int PRIMARY KEY, name text, amount numeric(12,2), at timestamp)")
rows = [(i, f"row {i} \u00e9", decimal.Decimal(i) / 4, ts + datetime.timedelta(seconds=i)) for i in range(1, 1001)]
cur.executemany("INSERT INTO pyt.many VALUES (?, ?, ?, ?)", rows)
r = tuple(cur.execute("SELECT count(*), sum(id), sum(amount) FROM pyt.many").fetchone())
check(r == (1000, 500500, decimal.Decimal("125125.00")), f"executemany: {r}")
cur.fast_executemany = True
rows2 = [(i, f"fast {i} \u00e9", decimal.Decimal(i) / 4, ts + datetime.timedelta(seconds=i)) for i in range(1001, 3001)]
t0 = time.time()
cur.executemany("INSERT INTO pyt.many VALUES (?, ?, ?, ?)", rows2)
cur.fast_executemany = False
r = cur.execute("SELECT count(*), sum(id), min(name), max(at) FROM pyt.many WHERE id > 1000").fetchone()
check(r[0] == 2000 and r[1] == sum(range(1001, 3001)), f"fast_executemany count/sum: {r}")
r = tuple(cur.execute("SELECT name, amount, at FROM pyt.many WHERE id = 2999").fetchone())
check(r == ("fast 2999 \u00e9", decimal.Decimal("749.75"), ts + datetime.timedelta(seconds=2999)), f"fast_executemany values: {r}")
print(f"fast_executemany of 2000 rows took {time.time() - t0:.2f}s")

# ---------------------------------------------------------------- rewrite_batched_inserts
# A statement-level trigger counts statements: one per multi-row statement when rewritten,
# one per parameter set otherwise.
cnr = pyodbc.connect(CS + ";RewriteBatchedInserts=1", autocommit=True)
cr = cnr.cursor()
cr.fast_executemany = True
cr.execute("CREATE TABLE pyt.rw (id int PRIMARY KEY, name text, amount numeric(12,2), at timestamp, flag bool, raw bytea)")
cr.execute("CREATE TABLE pyt.rw_fired (n int)")
cr.execute("CREATE FUNCTION pyt.rw_count() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO pyt.rw_fired VALUES (1); RETURN NULL; END$$")
cr.execute("CREATE TRIGGER rw_stmt AFTER INSERT ON pyt.rw FOR EACH STATEMENT EXECUTE FUNCTION pyt.rw_count()")


def fired():
    n = cr.execute("SELECT count(*) FROM pyt.rw_fired").fetchval()
    cr.execute("DELETE FROM pyt.rw_fired")
    return n


odd = "it's a \\ back\tslash\nand \"quotes\" $1 \u00e9"
rows3 = [
    (i, None if i % 7 == 0 else f"rw {i} {odd}", decimal.Decimal(i) / 4,
     ts + datetime.timedelta(seconds=i), i % 2 == 0, bytes([i % 256, 0, 255]))
    for i in range(1, 2501)
]
cr.executemany("INSERT INTO pyt.rw (id, name, amount, at, flag, raw) VALUES (?, ?, ?, ?, ?, ?)", rows3)
r = tuple(cr.execute("SELECT count(*), sum(id), count(name), sum(amount), count(*) FILTER (WHERE flag) FROM pyt.rw").fetchone())
check(r == (2500, sum(range(1, 2501)), 2500 - 2500 // 7, decimal.Decimal(sum(range(1, 2501))) / 4, 1250), f"rewritten array contents: {r}")
r = tuple(cr.execute("SELECT name, at, raw FROM pyt.rw WHERE id = 2498").fetchone())
check(r == (f"rw 2498 {odd}", ts + datetime.timedelta(seconds=2498), bytes([2498 % 256, 0, 255])), f"rewritten array values: {r!r}")
n = fired()
check(1 <= n <= 3, f"2500 sets ran as {n} multi-row statements")

# A set that fails: the array runs again set by set, so only that set is missing (the driver
# returns SQL_SUCCESS_WITH_INFO with the set's 23505, which pyodbc does not raise).
bad = [(3001, "a", 1, ts, True, b"x"), (3002, "b", 2, ts, True, b"x"), (5, "dup", 3, ts, True, b"x"), (3003, "c", 4, ts, True, b"x")]
cr.executemany("INSERT INTO pyt.rw (id, name, amount, at, flag, raw) VALUES (?, ?, ?, ?, ?, ?)", bad)
check(cr.execute("SELECT name FROM pyt.rw WHERE id = 5").fetchval() == "rw 5 " + odd, "the duplicate set changed nothing")
r = [row[0] for row in cr.execute("SELECT id FROM pyt.rw WHERE id > 3000 ORDER BY id").fetchall()]
check(r == [3001, 3002, 3003], f"set-by-set outcome after a failed rewrite: {r}")
fired()

# Not rewritten: other statement shapes, manual-commit mode, and the key off (the default).
cr.executemany("INSERT INTO pyt.rw (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING", [(4000 + i, "x") for i in range(5)])
check(fired() == 5, "ON CONFLICT is run set by set")
cnr.autocommit = False
cr.executemany("INSERT INTO pyt.rw (id, name) VALUES (?, ?)", [(4100 + i, "y") for i in range(5)])
cnr.commit()
cnr.autocommit = True
check(fired() == 5, "manual-commit arrays are run set by set")
cur.fast_executemany = True
cur.executemany("INSERT INTO pyt.rw (id, name) VALUES (?, ?)", [(4200 + i, "z") for i in range(5)])
cur.fast_executemany = False
check(fired() == 5, "without the key arrays are run set by set")
check(cr.execute("SELECT count(*) FROM pyt.rw WHERE id >= 4000").fetchval() == 15, "all set-by-set rows are there")
# The query timeout stops a whole array (each set sleeps 50 ms; 200 sets would take 10 s):
# HYT00 within about a second, nothing applied, in every execution path.
cr.execute("CREATE TABLE pyt.slow (id int, pause int)")
cnr.timeout = 1
cs_ = cnr.cursor()
cs_.fast_executemany = True
for sql in ["INSERT INTO pyt.slow VALUES (?, (SELECT 1 FROM pg_sleep(0.05)))",
            "INSERT INTO pyt.slow SELECT ?, 1 FROM pg_sleep(0.05)"]:
    for autocommit in (True, False):
        cnr.autocommit = autocommit
        t0 = time.time()
        expect_error(lambda: cs_.executemany(sql, [(i,) for i in range(200)]), "HYT00", f"array timeout ({sql[:40]}..., autocommit={autocommit})")
        elapsed = time.time() - t0
        check(elapsed < 6, f"array stopped quickly ({elapsed:.1f}s)")
        cnr.rollback()
        cnr.autocommit = True
        check(cr.execute("SELECT count(*) FROM pyt.slow").fetchval() == 0, "nothing of the stopped array applied")
cnr.timeout = 0
cr.execute("DROP TABLE pyt.slow")
cr.execute("DROP TABLE pyt.rw, pyt.rw_fired")
cr.execute("DROP FUNCTION pyt.rw_count()")
cnr.close()

# ---------------------------------------------------------------------------- transactions
# pyodbc prepares a parameterised statement once and then only executes it: every execution
# must still land in the transaction that commit() or rollback() ends.
cur.execute("CREATE TABLE pyt.txn (id int)")
cn.autocommit = False
for i in range(1, 7):
    cur.execute("INSERT INTO pyt.txn VALUES (?)", i)
    if i % 2 == 0:
        cn.commit()
    else:
        cn.rollback()
cn.autocommit = True
r = [row[0] for row in cur.execute("SELECT id FROM pyt.txn ORDER BY id").fetchall()]
check(r == [2, 4, 6], f"only committed executions of a prepared insert remain: {r}")
# A block the application opens itself in autocommit mode: a parameter array inside it is
# not wrapped in the driver's own transaction (whose COMMIT would end the block early).
for extra in ("", ";RewriteBatchedInserts=1"):
    cnb = pyodbc.connect(CS + extra, autocommit=True)
    cb = cnb.cursor()
    cb.fast_executemany = True
    cb.execute("BEGIN")
    cb.executemany("INSERT INTO pyt.txn VALUES (?)", [(i,) for i in range(100, 110)])
    cb.execute("ROLLBACK")
    check(cb.execute("SELECT count(*) FROM pyt.txn WHERE id >= 100").fetchval() == 0, f"an array inside the application's BEGIN..ROLLBACK is rolled back ({extra or 'default'})")
    cb.execute("START TRANSACTION")
    cb.executemany("INSERT INTO pyt.txn VALUES (?)", [(i,) for i in range(100, 110)])
    cb.execute("COMMIT")
    check(cb.execute("SELECT count(*) FROM pyt.txn WHERE id >= 100").fetchval() == 10, "and committed by its COMMIT")
    cb.execute("DELETE FROM pyt.txn WHERE id >= 100")
    cnb.close()
# Catalog calls in manual-commit mode open no transaction (browsing must not leave the session
# idle in a transaction, holding back vacuum); a query does.
cnm = pyodbc.connect(CS, autocommit=False)
cm = cnm.cursor()
pid = cm.execute("SELECT pg_backend_pid()").fetchval()
cnm.rollback()
state_of = lambda: cur.execute("SELECT state FROM pg_stat_activity WHERE pid = ?", pid).fetchval()
cm.tables(schema="pyt").fetchall()
cm.columns(table="txn").fetchall()
cm.primaryKeys("txn", schema="pyt").fetchall()
check(state_of() == "idle", f"catalog calls leave the session outside a transaction: {state_of()}")
cm.execute("SELECT 1").fetchall()
check(state_of() == "idle in transaction", f"a query opens the transaction: {state_of()}")
cnm.rollback()
cnm.close()
cur.execute("DROP TABLE pyt.txn")

# ---------------------------------------------------------------------------- small results
r = cur.execute("SELECT 'infinity'::timestamp").fetchval()
check(r == datetime.datetime(9999, 12, 31, 23, 59, 59), f"infinity clamped as psqlODBC clamps it: {r!r}")
check(cur.execute("SELECT '-infinity'::date::text").fetchval() == "-infinity", "as text it reads fine")
r = tuple(cur.execute("SELECT 1.1::float4, -0.3::real").fetchone())
check(r == (1.1, -0.3), f"a real reads as its printed decimal value: {r}")
cur.execute("SELECT 1; UPDATE pyt.many SET name = name WHERE id < 0; SELECT 2")
sets = [cur.fetchall()[0][0]]
check(cur.nextset() and cur.rowcount == 0, "an UPDATE touching no rows is a result of the batch")
check(cur.nextset(), "the batch goes on after it")
sets.append(cur.fetchall()[0][0])
check(sets == [1, 2] and not cur.nextset(), f"every result of the batch: {sets}")

# ---------------------------------------------------------------------------- errors
expect_error(lambda: cur.execute("SELECT * FROM pyt.no_such_table"), "42P01", "missing table")
expect_error(lambda: cur.execute("INSERT INTO pyt.many (id) VALUES (1)"), "23505", "duplicate key")
expect_error(lambda: cur.execute("SELECT 1/0").fetchall(), "22012", "division by zero")
expect_error(lambda: pyodbc.connect(BAD_CS), "28P01", "bad password")
check(cur.execute("SELECT 7").fetchval() == 7, "cursor usable after errors")

# ---------------------------------------------------------------------------- catalog
names = sorted(r[2] for r in cur.tables(schema="pyt"))
check(names == ["alltypes", "child", "many", "uni"], f"tables(schema=pyt): {names}")
check([r[3] for r in cur.tables(table="alltypes", schema="pyt")] == ["TABLE"], "table type TABLE")
cols = cur.columns(table="alltypes", schema="pyt").fetchall()
check([c[3] for c in cols] == ["id", "b", "i2", "i4", "i8", "n", "f4", "f8", "t", "vc", "c", "by", "d", "tm", "ts", "tz", "iv", "u", "j", "jb", "o", "arr", "ip"],
      f"columns(): names in order {[c[3] for c in cols]}")
by_name = {c[3]: c for c in cols}
expected_types = {"b": -7, "i2": 5, "i4": 4, "i8": -5, "n": 2, "f4": 7, "f8": 8, "by": -4 if by_name["by"][4] == -4 else -3,
                  "d": 91, "tm": 92, "ts": 93, "tz": 93, "u": -11}
for name, t in expected_types.items():
    check(by_name[name][4] == t, f"columns(): DATA_TYPE of {name} = {t} (got {by_name[name][4]})")
check(by_name["n"][6] == 20 and by_name["n"][8] == 6, "columns(): numeric(20,6) size and digits")
check(by_name["vc"][6] == 40, "columns(): varchar(40) size")
check(by_name["id"][10] == 0 and by_name["t"][10] == 1, "columns(): NULLABLE")
check([d[0].upper() for d in cur.columns(table="alltypes", schema="pyt").description][:5] == ["TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "COLUMN_NAME", "DATA_TYPE"],
      "columns(): result column names")
check(cur.description[4][1] is int, "columns(): DATA_TYPE described as an integer")
cur.fetchall()
pk = cur.primaryKeys("alltypes", schema="pyt").fetchall()
check([(r[3], r[4]) for r in pk] == [("id", 1)], f"primaryKeys: {pk}")
fk = cur.foreignKeys(table="alltypes", schema="pyt").fetchall()
check([(r[2], r[3], r[6], r[7]) for r in fk] == [("alltypes", "id", "child", "parent")], f"foreignKeys: {fk}")
fk2 = cur.foreignKeys(foreignTable="child", foreignSchema="pyt").fetchall()
check(len(fk2) == 1 and fk2[0][7] == "parent", "foreignKeys by the referencing table")
st = cur.statistics("alltypes", schema="pyt").fetchall()
idx = sorted({r[5] for r in st if r[5]})
check(idx == ["alltypes_i4", "alltypes_pkey"], f"statistics: {idx}")
st_u = cur.statistics("alltypes", schema="pyt", unique=True).fetchall()
check(sorted({r[5] for r in st_u if r[5]}) == ["alltypes_pkey"], "statistics(unique=True)")
ti = cur.getTypeInfo(pyodbc.SQL_WVARCHAR).fetchall() + cur.getTypeInfo(pyodbc.SQL_VARCHAR).fetchall()
check(len(ti) >= 1 and all(r[1] in (pyodbc.SQL_VARCHAR, pyodbc.SQL_WVARCHAR) for r in ti), "getTypeInfo(VARCHAR)")
all_types = cur.getTypeInfo().fetchall()
check(len(all_types) >= 15 and {r[1] for r in all_types} >= {-7, 5, 4, -5, 2, 7, 8, 91, 92, 93, -11}, f"getTypeInfo(): {len(all_types)} rows")
check(len(cur.rowIdColumns("alltypes", schema="pyt").fetchall()) == 1, "SQLSpecialColumns best rowid")
cur.execute("CREATE FUNCTION pyt.add_one(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 1'")
check([r[2] for r in cur.procedures(procedure="add_one", schema="pyt")] == ["add_one"], "procedures")
check(len(cur.procedureColumns(procedure="add_one", schema="pyt").fetchall()) == 2, "procedureColumns")
check(len(cur.tablePrivileges(table="alltypes", schema="pyt").fetchall()) >= 1, "tablePrivileges")

# Catalog injection: quotes, backslashes and pattern characters in names.
cur.execute("DROP SCHEMA IF EXISTS pyt_inj CASCADE")
cur.execute("CREATE SCHEMA pyt_inj")
inj_names = ["a'b", "a\\b", "a%b", "a_b", "axb", "aXb", "a\"b"]
for n in inj_names:
    cur.execute('CREATE TABLE pyt_inj."%s" (k int)' % n.replace('"', '""'))
esc = cn.getinfo(pyodbc.SQL_SEARCH_PATTERN_ESCAPE)
check(esc == "\\", f"search pattern escape is backslash: {esc!r}")


def tabs(pattern):
    return sorted(r[2] for r in cur.tables(table=pattern, schema="pyt_inj"))


check(tabs("a'b") == ["a'b"], "quote in a name")
check(tabs('a"b') == ['a"b'], "double quote in a name")
check(tabs("a\\\\b") == ["a\\b"], "escaped backslash")
check(tabs("a\\_b") == ["a_b"], "escaped underscore is literal")
check(tabs("a\\%b") == ["a%b"], "escaped percent is literal")
check(tabs("a_b") == sorted(inj_names), f"unescaped underscore is a wildcard: {tabs('a_b')}")
check(tabs("x' OR '1'='1") == [], "injection attempt returns nothing")
check(tabs("%'; DROP TABLE pyt_inj.axb; --") == [], "statement injection returns nothing")
check(tabs("axb") == ["axb"], "table still there after injection attempts")
check([r[3] for r in cur.columns(table="a\\'b".replace("\\", ""), schema="pyt_inj")] == ["k"], "columns of a quoted name")
check(len(cur.primaryKeys("a'b; DROP", schema="pyt_inj").fetchall()) == 0, "primaryKeys of a non-existent name")

# ---------------------------------------------------------------------------- cancel
cn2 = pyodbc.connect(CS, autocommit=True)
c2 = cn2.cursor()
timer = threading.Timer(1.0, c2.cancel)
timer.start()
t0 = time.time()
expect_error(lambda: c2.execute("SELECT pg_sleep(30)").fetchall(), "HY008", "cancel from another thread")
elapsed = time.time() - t0
check(elapsed < 10, f"cancel was quick ({elapsed:.1f}s)")
check(c2.execute("SELECT 5").fetchval() == 5, "statement usable after cancel")

# ---------------------------------------------------------------------------- timeout
cn3 = pyodbc.connect(CS, autocommit=True)
cn3.timeout = 1
c3 = cn3.cursor()
t0 = time.time()
expect_error(lambda: c3.execute("SELECT pg_sleep(30)").fetchall(), "HYT00", "query timeout")
elapsed = time.time() - t0
check(elapsed < 10, f"timeout was quick ({elapsed:.1f}s)")
check(c3.execute("SELECT 6").fetchval() == 6, "statement usable after timeout")

cur.execute("DROP SCHEMA pyt CASCADE")
cur.execute("DROP SCHEMA pyt_inj CASCADE")
print("all passed")
