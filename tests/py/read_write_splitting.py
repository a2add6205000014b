"""Read/write splitting through pyodbc: SQL_ATTR_ACCESS_MODE and the statement text move the
connection between the writer and a reader, the reader connection is kept, session settings
and prepared statements follow, and transactions pin the connection.

Usage: read_write_splitting.py "<connection string>" <writer id> <reader ids, comma-separated>.
Uses table rws_py (x int), which it empties. Prints "all passed" at the end.
"""
import sys

import pyodbc

CS, WRITER, READERS = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
WHO = "SELECT aurora_db_instance_identifier()::text, pg_is_in_recovery(), pg_backend_pid()"


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok", what)


def state_of(fn):
    try:
        fn()
    except pyodbc.Error as e:
        return e.args[0]
    return None


def read_only(cn, on):
    cn.set_attr(pyodbc.SQL_ATTR_ACCESS_MODE, 1 if on else 0)


cn = pyodbc.connect(CS, autocommit=True)
cur = cn.cursor()
cur.execute("DELETE FROM rws_py")
who, recovery, writer_pid = cur.execute(WHO).fetchone()
check(who == WRITER and not recovery, "connected to the writer")

# Read-only: the next statement runs on a reader, and writes fail as PostgreSQL says.
read_only(cn, True)
who, recovery, reader_pid = cur.execute(WHO).fetchone()
check(who in READERS and recovery, f"read-only runs on a reader ({who})")
reader = who
check(state_of(lambda: cur.execute("INSERT INTO rws_py VALUES (1)")) == "25006",
      "a write on the read-only connection fails with 25006")

# Read-write: back on the same writer session; the write works.
read_only(cn, False)
who, recovery, pid = cur.execute(WHO).fetchone()
check(who == WRITER and not recovery and pid == writer_pid, "read-write is back on the same writer session")
cur.execute("INSERT INTO rws_py VALUES (1)")
check(cur.rowcount == 1, "the write works on the writer")

# Read-only again: the kept reader connection, no new one.
read_only(cn, True)
who, recovery, pid = cur.execute(WHO).fetchone()
check(who == reader and pid == reader_pid, "the reader connection was kept")

# A statement prepared on one side runs on the other (prepared again there).
read_only(cn, False)
prepared = cn.cursor()
row = prepared.execute("SELECT aurora_db_instance_identifier()::text WHERE ? = 1", 1).fetchone()
check(row[0] == WRITER, "prepared statement on the writer")
read_only(cn, True)
row = prepared.execute("SELECT aurora_db_instance_identifier()::text WHERE ? = 1", 1).fetchone()
check(row[0] == reader, "the same prepared statement runs on the reader")

# Session settings set through ODBC are carried over.
read_only(cn, False)
cn.set_attr(pyodbc.SQL_ATTR_TXN_ISOLATION, pyodbc.SQL_TXN_SERIALIZABLE)
check(cur.execute("SHOW transaction_isolation").fetchone()[0] == "serializable", "isolation set on the writer")
read_only(cn, True)
check(cur.execute("SHOW transaction_isolation").fetchone()[0] == "serializable", "isolation carried to the reader")
check(cur.execute("SHOW default_transaction_read_only").fetchone()[0] == "on", "the reader session is read-only")
cn.set_attr(pyodbc.SQL_ATTR_TXN_ISOLATION, pyodbc.SQL_TXN_READ_COMMITTED)
read_only(cn, False)
check(cur.execute("SHOW transaction_isolation").fetchone()[0] == "read committed", "isolation changed on the reader carried back")
check(cur.execute("SHOW default_transaction_read_only").fetchone()[0] == "off", "the writer session is read-write")

# The AWS ODBC wrapper's trigger: the statement text switches too.
cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
who, recovery, _ = cur.execute(WHO).fetchone()
check(who == reader and recovery, "SET SESSION CHARACTERISTICS ... READ ONLY moves to the reader")
cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
who, recovery, _ = cur.execute(WHO).fetchone()
check(who == WRITER and not recovery, "SET SESSION CHARACTERISTICS ... READ WRITE moves back")
cur.execute("INSERT INTO rws_py VALUES (2)")
cn.close()

# Transactions pin the connection (pyodbc's default: autocommit off).
cn = pyodbc.connect(CS)
cur = cn.cursor()
cur.execute("INSERT INTO rws_py VALUES (3)")
read_only(cn, True)
who, _, _ = cur.execute(WHO).fetchone()
check(who == WRITER, "read-only inside a transaction waits: still on the writer")
cur.execute("INSERT INTO rws_py VALUES (4)")
cn.commit()
who, recovery, _ = cur.execute(WHO).fetchone()
check(who in READERS and recovery, "after the commit the connection is on a reader")
# A transaction is open on the reader now (autocommit off): read-write is refused.
check(state_of(lambda: read_only(cn, False)) == "25000", "read-write while the reader holds a transaction: 25000")
who, _, _ = cur.execute(WHO).fetchone()
check(who in READERS, "the refused change left the connection on the reader")
cn.rollback()
read_only(cn, False)
who, recovery, _ = cur.execute(WHO).fetchone()
check(who == WRITER and not recovery, "after the rollback read-write moves to the writer")
cn.commit()
# Read-only asked for and taken back inside one transaction: the transaction goes on.
cur.execute("INSERT INTO rws_py VALUES (5)")
read_only(cn, True)
read_only(cn, False)
cur.execute("INSERT INTO rws_py VALUES (6)")
cn.commit()
who, _, _ = cur.execute(WHO).fetchone()
check(who == WRITER, "a cancelled switch leaves the connection on the writer")
rows = [r[0] for r in cur.execute("SELECT x FROM rws_py ORDER BY x").fetchall()]
check(rows == [1, 2, 3, 4, 5, 6], f"every write went to the writer and was kept ({rows})")
cn.commit()
cn.close()

# Read-only from the start (the read_only key): the first statement runs on a reader.
cn = pyodbc.connect(CS + ";read_only=1", autocommit=True)
who, recovery, _ = cn.cursor().execute(WHO).fetchone()
check(who in READERS and recovery, f"connected read-only: on a reader ({who})")
cn.close()
# ... with no reader reachable (a host pattern naming hosts that do not resolve) and no
# fallback, the connect itself fails.
bad = CS + ";read_only=1;read_only_fallback_to_writer=0;cluster_instance_host_pattern=?.nowhere.invalid"
check(state_of(lambda: pyodbc.connect(bad, autocommit=True)) == "08001",
      "connecting read-only without a reachable reader fails with 08001")
print("all passed")
