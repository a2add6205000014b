"""Failover while read/write splitting has the connection on a reader, through pyodbc.

Usage: read_write_splitting_failover.py "<connection string>" <writer id>.
Switches to read-only, prints READER <id> and waits for a line on stdin while the test crashes
that reader. Then the next statement must fail with 08S02, and the re-run statement must run
on another reader, read-only (failover took the handle to the writer, the cluster endpoint's
mode being strict_writer; read/write splitting moved it on to a reader); read-write must reach
the writer and write. Prints "all passed" at the end.
"""
import sys

import pyodbc

CS, WRITER = sys.argv[1], sys.argv[2]
WHO = "SELECT aurora_db_instance_identifier()::text, pg_is_in_recovery()"


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok", what, flush=True)


cn = pyodbc.connect(CS, autocommit=True)
cur = cn.cursor()
cn.set_attr(pyodbc.SQL_ATTR_ACCESS_MODE, 1)
reader, recovery = cur.execute(WHO).fetchone()
check(recovery, "read-only is on a reader")
print("READER", reader, flush=True)
sys.stdin.readline()

try:
    cur.execute(WHO)
    state = None
except pyodbc.Error as e:
    state = e.args[0]
print("FAILED_CALL", state, flush=True)
check(state == "08S02", "the call on the crashed reader fails over with 08S02")
who, recovery = cur.execute(WHO).fetchone()
check(recovery and who != reader, f"the re-run statement runs on another reader ({who})")
print("AFTER", who, flush=True)
check(cur.execute("SHOW transaction_read_only").fetchone()[0] == "on", "still read-only there")
cn.set_attr(pyodbc.SQL_ATTR_ACCESS_MODE, 0)
who, recovery = cur.execute(WHO).fetchone()
check(who == WRITER and not recovery, "read-write: the writer")
cur.execute("CREATE TABLE rws_after_failover (x int)")
cn.close()
print("all passed", flush=True)
