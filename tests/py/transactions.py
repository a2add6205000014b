"""Transactions through pyodbc as psqlODBC runs them: a role whose default_transaction_read_only
is on stays read-only (the driver sends no access mode the program did not ask for), and an
error inside a transaction (pyodbc's default, autocommit off) undoes only the failed statement
unless the Protocol key asks for the whole transaction (7.4-1) or nothing (7.4-0).

Usage: transactions.py "<connection string>" "<read-only role's connection string>".
Uses table tx_py (x int), which it empties. Prints "all passed" at the end.
"""
import sys

import pyodbc

CS, READER = sys.argv[1], sys.argv[2]


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok", what)


def fails_with(cur, sql, state):
    try:
        cur.execute(sql)
    except pyodbc.Error as e:
        return e.args[0] == state
    return False


def committed():
    with pyodbc.connect(CS, autocommit=True) as cn:
        return [r[0] for r in cn.execute("SELECT x FROM tx_py ORDER BY x").fetchall()]


def fresh():
    with pyodbc.connect(CS, autocommit=True) as cn:
        cn.execute("DELETE FROM tx_py")


# The administrator's read-only default holds.
reader = pyodbc.connect(READER)
rc = reader.cursor()
check(rc.execute("SHOW transaction_read_only").fetchone()[0] == "on", "the role stays read-only")
check(fails_with(rc, "INSERT INTO tx_py VALUES (0)", "25006"), "an insert is refused with 25006")
reader.rollback()
reader.close()

# Default: statement-level rollback.
fresh()
cn = pyodbc.connect(CS)
cur = cn.cursor()
cur.execute("INSERT INTO tx_py VALUES (1)")
check(fails_with(cur, "INSERT INTO tx_py VALUES ('x')", "22P02"), "a bad insert fails")
cur.execute("INSERT INTO tx_py VALUES (?)", 2)
cur.executemany("INSERT INTO tx_py VALUES (?)", [(3,), (4,)])
cn.commit()
cn.close()
check(committed() == [1, 2, 3, 4], "the rows before and after the error were committed")

# Protocol=7.4-1: the whole transaction.
fresh()
cn = pyodbc.connect(CS + ";Protocol=7.4-1")
cur = cn.cursor()
cur.execute("INSERT INTO tx_py VALUES (1)")
check(fails_with(cur, "INSERT INTO tx_py VALUES ('x')", "22P02"), "a bad insert fails (7.4-1)")
cur.execute("INSERT INTO tx_py VALUES (2)")
cn.commit()
cn.close()
check(committed() == [2], "7.4-1 rolled back the transaction the error was in")

# Protocol=7.4-0: nothing; the application rolls back.
fresh()
cn = pyodbc.connect(CS + ";Protocol=7.4-0")
cur = cn.cursor()
cur.execute("INSERT INTO tx_py VALUES (1)")
check(fails_with(cur, "INSERT INTO tx_py VALUES ('x')", "22P02"), "a bad insert fails (7.4-0)")
check(fails_with(cur, "INSERT INTO tx_py VALUES (2)", "25P02"), "the transaction refuses statements (7.4-0)")
cn.rollback()
cur.execute("INSERT INTO tx_py VALUES (3)")
cn.commit()
cn.close()
check(committed() == [3], "7.4-0 kept only what ran after the application's rollback")

print("all passed")
