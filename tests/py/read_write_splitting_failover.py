"""Failover while read/write splitting has the connection on a reader, through pyodbc.

Usage: read_write_splitting_failover.py "<connection string>" <writer id>.
Switches to read-only, prints READER <id> and waits for a line on stdin while the test crashes
that reader. Then the next statement must fail with 08S02, the connection must work (on the
writer, read-only: the cluster endpoint's failover mode is strict_writer), read-write must
write, and read-only again must land on another reader. Prints "all passed" at the end.
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
check(who == WRITER and not recovery, "the handle works on the writer after failover")
check(cur.execute("SHOW transaction_read_only").fetchone()[0] == "on", "still read-only there")
cn.set_attr(pyodbc.SQL_ATTR_ACCESS_MODE, 0)
cur.execute("CREATE TABLE rws_after_failover (x int)")
cn.set_attr(pyodbc.SQL_ATTR_ACCESS_MODE, 1)
who, recovery = cur.execute(WHO).fetchone()
check(recovery and who != reader, f"read-only again lands on another reader ({who})")
print("AGAIN", who, flush=True)
cn.close()
print("all passed", flush=True)
