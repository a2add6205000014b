"""psqlODBC's DSN keys doing what psqlODBC's documentation says, seen through pyodbc.

Usage: psqlodbc_keys.py "<connection string>"
Each check connects with the string plus the keys under test. TCP options are read back
from the driver's own socket: this process finds it in /proc/self/fd and asks the kernel.
Prints "all passed" at the end; any failure raises.
"""
import os
import re
import socket
import sys

import pyodbc

BASE = sys.argv[1]
PORT = int(re.search(r"Port=(\d+)", BASE).group(1))


def connect(extra=""):
    return pyodbc.connect(BASE + extra, autocommit=True)


setup = connect().cursor()
setup.execute("DROP SCHEMA IF EXISTS pk_sys CASCADE")
setup.execute("CREATE SCHEMA pk_sys")
setup.execute("CREATE TABLE pk_sys.dd_meta (x int)")
setup.execute("CREATE TABLE pk_sys.app (x int)")
setup.execute("CREATE VIEW pk_sys.v AS SELECT 1 AS x")


def listed(cur, **kw):
    return sorted((r.table_name, r.table_type) for r in cur.tables(**kw))


def schemas(cur):
    return {r.table_schem for r in cur.tables(catalog="", schema="%", table="")}


# ---------------------------------------------------------------- ShowSystemTables (off)
cur = connect().cursor()
got = listed(cur, schema="pk_sys")
assert got == [("app", "TABLE"), ("v", "VIEW")], f"default: dd_ tables are system ones: {got}"
got = listed(cur, schema="pk_sys", tableType="SYSTEM TABLE")
assert got == [("dd_meta", "SYSTEM TABLE")], f"asked for by type: {got}"
got = listed(cur, table="pg_class")
assert got == [], f"pg_catalog hidden without a type: {got}"
got = listed(cur, table="pg_class", tableType="TABLE,VIEW")
assert got == [], f"pg_catalog is not TABLE: {got}"
got = listed(cur, table="pg_class", tableType="SYSTEM TABLE")
assert got == [("pg_class", "SYSTEM TABLE")], f"pg_class as SYSTEM TABLE: {got}"
got = listed(cur, table="tables", schema="information_schema", tableType="SYSTEM VIEW")
assert got == [("tables", "SYSTEM VIEW")], f"information_schema views: {got}"
names = schemas(cur)
assert "pk_sys" in names and "public" in names, f"schema list: {names}"
assert "pg_catalog" not in names and "information_schema" not in names, f"schema list: {names}"

# ---------------------------------------------------------------- ShowSystemTables=1
cur = connect(";ShowSystemTables=1").cursor()
got = listed(cur, schema="pk_sys")
assert got == [("app", "TABLE"), ("dd_meta", "TABLE"), ("v", "VIEW")], f"shown: {got}"
got = listed(cur, table="pg_class")
assert got == [("pg_class", "TABLE")], f"pg_class is a table like any other: {got}"
got = listed(cur, table="pg_class", tableType="TABLE")
assert got == [("pg_class", "TABLE")], f"and found as TABLE: {got}"
names = schemas(cur)
assert {"pg_catalog", "information_schema", "pk_sys"} <= names, f"schema list: {names}"

# ---------------------------------------------------------------- ExtraSysTablePrefixes
cur = connect(";ExtraSysTablePrefixes={ap;zz_}").cursor()
got = listed(cur, schema="pk_sys")
assert got == [("dd_meta", "TABLE"), ("v", "VIEW")], f"prefix ap: {got}"
got = listed(cur, schema="pk_sys", tableType="SYSTEM TABLE")
assert got == [("app", "SYSTEM TABLE")], f"prefix ap as system: {got}"
cur = connect(";ExtraSysTablePrefixes=").cursor()
got = listed(cur, schema="pk_sys")
assert got == [("app", "TABLE"), ("dd_meta", "TABLE"), ("v", "VIEW")], f"no prefixes: {got}"


# ---------------------------------------------------------------- TCP keepalive and pqopt
def sockets_to_server():
    """This process's TCP sockets connected to the server's port (on duplicated fds)."""
    found = []
    for name in os.listdir("/proc/self/fd"):
        try:
            if not os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                continue
            s = socket.socket(fileno=os.dup(int(name)))
        except OSError:
            continue
        try:
            if s.type == socket.SOCK_STREAM and s.getpeername()[1] == PORT:
                found.append(s)
                continue
        except (OSError, IndexError):
            pass
        s.close()
    return found


def tcp_options(extra):
    """Opens a connection (no plugins, so no other socket appears) and reads its socket's
    keepalive, idle, interval, count and user timeout."""
    before = {s.getsockname() for s in sockets_to_server()}
    cn = connect(";plugins=" + extra)
    new = [s for s in sockets_to_server() if s.getsockname() not in before]
    assert len(new) == 1, f"one new socket for {extra}: {new}"
    s = new[0]
    got = (
        s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0,
        s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
        s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
        s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
        s.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
    )
    return cn, got


def sysctl(name):
    with open(f"/proc/sys/net/ipv4/{name}") as f:
        return int(f.read())


IDLE, INTVL, CNT = sysctl("tcp_keepalive_time"), sysctl("tcp_keepalive_intvl"), sysctl("tcp_keepalive_probes")
_, got = tcp_options("")
assert got == (True, IDLE, INTVL, CNT, 0), f"keepalive on by default, as libpq: {got}"
_, got = tcp_options(";KeepaliveTime=7;KeepaliveInterval=3")
assert got == (True, 7, 3, CNT, 0), f"KeepaliveTime/KeepaliveInterval: {got}"
_, got = tcp_options(";KeepaliveTime=7;pqopt={keepalives_idle=11 keepalives_count=4 tcp_user_timeout=9000}")
assert got == (True, 11, INTVL, 4, 9000), f"pqopt after the keys: {got}"
_, got = tcp_options(";pqopt={keepalives=0}")
assert not got[0], f"pqopt keepalives=0: {got}"

cn = connect(";pqopt={options='-c search_path=pk_sys,public' application_name=from_pqopt gssencmode=disable}")
got = cn.cursor().execute("SELECT current_schema(), current_setting('application_name')").fetchone()
assert tuple(got) == ("pk_sys", "from_pqopt"), f"pqopt options and application_name: {got}"
for bad, says in [("{bogus=1}", 'invalid connection option "bogus"'),
                  ("{keepalives_idle=soon}", 'invalid integer value "soon"'),
                  ("{options='-c x}", "unterminated quoted string")]:
    try:
        connect(";pqopt=" + bad)
        raise AssertionError(f"pqopt={bad} connected")
    except pyodbc.Error as e:
        assert e.args[0] == "08001" and says in str(e), f"pqopt={bad}: {e}"

# ---------------------------------------------------------------- ConnSettings
import datetime

cn = connect(";ConnSettings={SET search_path = pk_sys, public; SET TIME ZONE 'Asia/Tokyo'}")
cr = cn.cursor()
got = cr.execute("SELECT current_schema()").fetchval()
assert got == "pk_sys", f"ConnSettings ran: {got}"
got = cr.execute("SELECT '2024-01-02 00:00:00+00'::timestamptz").fetchval()
assert got == datetime.datetime(2024, 1, 2, 9, 0), f"the zone ConnSettings sets is the session's: {got}"
try:
    connect(";ConnSettings={SET no_such_setting = 1}")
    raise AssertionError("a failing ConnSettings connected")
except pyodbc.Error as e:
    assert "no_such_setting" in str(e) and "ConnSettings" in str(e), f"failing ConnSettings: {e}"

# ByteaAsLongVarBinary: SQLColumns reports a bytea column as SQL_LONGVARBINARY (-4) by default,
# as SQL_VARBINARY (-3) when off.
setup.execute("CREATE TABLE pk_sys.bin_col (b bytea)")
for extra, code in (("", -4), (";ByteaAsLongVarBinary=0", -3), (";ByteaAsLongVarBinary=1", -4)):
    cr = connect(extra).cursor()
    got = [r.data_type for r in cr.columns(table="bin_col", schema="pk_sys")]
    assert got == [code], f"{extra!r}: bytea column's DATA_TYPE {got}"
    assert cr.execute("SELECT '\\x0102'::bytea").fetchval() == b"\x01\x02", f"{extra!r}: bytea reads"

setup.execute("DROP SCHEMA pk_sys CASCADE")
# ---------------------------------------------------------------- type-description keys
import decimal  # noqa: E402


def first(extra, sql, *params):
    """The first column's pyodbc type, column size and value of the first row of `sql`."""
    cur = connect(extra).cursor()
    cur.execute(sql, *params)
    desc = cur.description[0]
    return desc[1], desc[3], cur.fetchone()[0]


# BoolsAsChar (and its abbreviation B9), TrueIsMinus1.
assert first("", "SELECT true") == (bool, 1, True), first("", "SELECT true")
assert first(";BoolsAsChar=1", "SELECT true") == (str, 5, "1")
assert first(";B9=1", "SELECT false") == (str, 5, "0")
assert first(";BoolsAsChar=1;TrueIsMinus1=1", "SELECT true") == (str, 5, "-1")
assert first(";BoolsAsChar=1;TrueIsMinus1=1", "SELECT false") == (str, 5, "0")

# Int8As (psqlODBC's BI): the type changes, the value stays.
assert first("", "SELECT 5::int8") == (int, 19, 5)
assert first(";BI=12", "SELECT 5::int8")[0::2] == (str, "5"), first(";BI=12", "SELECT 5::int8")
assert first(";Int8As=8", "SELECT 5::int8")[0::2] == (float, 5.0)
assert first(";BI=2", "SELECT 5::int8")[0::2] == (decimal.Decimal, decimal.Decimal(5))

# NumericAs: only numeric without a declared precision.
assert first("", "SELECT 1.5::numeric")[0::2] == (decimal.Decimal, decimal.Decimal("1.5"))
assert first(";NumericAs=8", "SELECT 1.5::numeric") == (float, 15, 1.5)
assert first(";NumericAs=12", "SELECT 1.5::numeric") == (str, 255, "1.5")
got = first(";NumericAs=8", "SELECT 1.5::numeric(10,2)")
assert got[0::2] == (decimal.Decimal, decimal.Decimal("1.50")), got

# UnknownsAsLongVarchar (on by default here) and UnknownSizes.
assert first("", "SELECT '[1]'::json")[:2] == (str, 8190)
assert first(";UnknownsAsLongVarchar=0", "SELECT '[1]'::json")[:2] == (str, 255)
assert first(";UnknownSizes=1", "SELECT 'x'::text")[:2] == (str, 0)
assert first(";UnknownSizes=1", "SELECT 'x'::varchar(9)")[:2] == (str, 9)
assert first(";UnknownSizes=2", "SELECT 'x'::text")[:2] == (str, 8190)

# The same keys in SQLColumns.
setup.execute("DROP SCHEMA IF EXISTS pk_typed CASCADE")
setup.execute("CREATE SCHEMA pk_typed")
setup.execute("CREATE TABLE pk_typed.typed (b bool, i int8, n numeric, d numeric(8,2), j json)")


def data_types(extra):
    cur = connect(extra).cursor()
    return [(r.column_name, r.data_type, r.column_size)
            for r in cur.columns(schema="pk_typed", table="typed")]


SQL_BIT, SQL_BIGINT, SQL_NUMERIC, SQL_VARCHAR, SQL_LONGVARCHAR, SQL_DOUBLE = -7, -5, 2, 12, -1, 8
SQL_WVARCHAR, SQL_WLONGVARCHAR = -9, -10
got = data_types("")
assert [t for _, t, _ in got][:4] == [SQL_BIT, SQL_BIGINT, SQL_NUMERIC, SQL_NUMERIC], got
assert got[4][1] in (SQL_LONGVARCHAR, SQL_WLONGVARCHAR), got
got = data_types(";BoolsAsChar=1;BI=2;NumericAs=8;UnknownsAsLongVarchar=0")
assert got[0][1:] == (SQL_VARCHAR, 5), got
assert got[1][1] == SQL_NUMERIC and got[2][1:] == (SQL_DOUBLE, 15), got
assert got[3][1:] == (SQL_NUMERIC, 8), got
assert got[4][1] in (SQL_VARCHAR, SQL_WVARCHAR) and got[4][2] == 255, got

# LFConversion: LF reads as CR LF, CR LF in a character parameter is sent as LF.
assert first("", "SELECT E'a\\nb\\r\\nc'")[2] == "a\nb\r\nc"
assert first(";LFConversion=1", "SELECT E'a\\nb\\r\\nc'")[2] == "a\r\nb\r\nc"
assert first(";LFConversion=1", "SELECT ?::text = E'x\\ny'", "x\r\ny")[2] is True
assert first("", "SELECT ?::text = E'x\\ny'", "x\r\ny")[2] is False
assert first(";LFConversion=1", "SELECT ?::bytea = E'x\\r\\ny'::bytea", b"x\r\ny")[2] is True

print("all passed")
