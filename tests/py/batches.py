"""Multi-statement batches through pyodbc: `execute` runs every statement (pyodbc never calls
SQLMoreResults unless asked), the first error stops the batch and is raised by `execute`, and
`nextset` still walks the results.

Usage: batches.py "<connection string>". Prints "all passed" at the end.
"""
import sys

import pyodbc

cn = pyodbc.connect(sys.argv[1], autocommit=True)
cur = cn.cursor()


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok", what)


def count(sql):
    return cur.execute(sql).fetchone()[0]


def fails_with(sql, state, *params):
    try:
        cur.execute(sql, *params)
    except pyodbc.Error as e:
        return e.args[0] == state
    return False


cur.execute("DROP TABLE IF EXISTS pb_a, pb_b")
cur.execute("CREATE TABLE pb_a(x int); CREATE TABLE pb_b(x int); INSERT INTO pb_a VALUES (1)")
check(count("SELECT count(*) FROM pb_a WHERE x = 1") == 1, "the batch's INSERT ran")
check(count("SELECT count(*) FROM pb_b") == 0, "the batch's second CREATE TABLE ran")

check(fails_with("SELECT 1; SELECT 1/0; SELECT 3", "22012"), "SELECT 1; SELECT 1/0; SELECT 3 raises 22012")
check(
    fails_with("INSERT INTO pb_a VALUES (2); SELECT 1/0; INSERT INTO pb_a VALUES (3)", "22012"),
    "a failing statement in the middle raises",
)
check(count("SELECT count(*) FROM pb_a WHERE x IN (2, 3)") == 0, "nothing after the error ran, nothing before it stayed")
check(fails_with("INSERT INTO pb_a VALUES (4); INSERT INTO pb_nowhere VALUES (5)", "42P01"), "a missing table in the last statement raises")
check(count("SELECT count(*) FROM pb_a WHERE x = 4") == 0, "the batch was undone")

cur.execute("INSERT INTO pb_a VALUES (?); INSERT INTO pb_b VALUES (?)", 10, 20)
check(count("SELECT count(*) FROM pb_a WHERE x = 10") == 1, "parameters of the first statement")
check(count("SELECT count(*) FROM pb_b WHERE x = 20") == 1, "parameters of the second statement")

cur.execute("SELECT 1; UPDATE pb_a SET x = x WHERE x < 0; SELECT 'b', 2")
check(cur.fetchall()[0][0] == 1, "first result")
check(cur.nextset() and cur.rowcount == 0, "the update's result")
check(cur.nextset() and tuple(cur.fetchone()) == ("b", 2), "last result")
check(not cur.nextset(), "end of the batch")

cn.autocommit = False
cur.execute("INSERT INTO pb_a VALUES (30); INSERT INTO pb_a VALUES (31)")
cn.rollback()
check(count("SELECT count(*) FROM pb_a WHERE x >= 30") == 0, "manual commit: the application's rollback undoes the batch")
cur.execute("INSERT INTO pb_a VALUES (32); INSERT INTO pb_a VALUES (33)")
cn.commit()
check(count("SELECT count(*) FROM pb_a WHERE x >= 30") == 2, "manual commit: both inserts ran")
cn.autocommit = True
cur.execute("DROP TABLE pb_a, pb_b")
print("all passed")
