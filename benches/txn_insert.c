/* Manual-commit insert loop: what statement-level rollback (a savepoint ahead of each
 * statement of an open transaction) costs.
 *
 *   txn_insert CONNECTION-STRING ROWS
 *
 * Autocommit off; one SQLPrepare("INSERT INTO bench_txn VALUES (?)") with a bound int
 * parameter, then ROWS SQLExecute calls in one transaction and one SQLEndTran(SQL_COMMIT).
 * Checks the committed count. Prints one line:
 *   RESULT rows=<n> us_per_insert=<f> */
#define BENCH_PROGRAM "txn_insert"
#include "bench_common.h"
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s CONNECTION-STRING ROWS\n", argv[0]);
        return 2;
    }
    long rows = atol(argv[2]);
    SQLHENV env;
    SQLHDBC dbc;
    SQLHSTMT st = bench_connect(argv[1], &env, &dbc);
    CHECK(SQLExecDirect(st, (SQLCHAR *)"DROP TABLE IF EXISTS bench_txn", SQL_NTS), SQL_HANDLE_STMT, st, "DROP");
    CHECK(SQLExecDirect(st, (SQLCHAR *)"CREATE TABLE bench_txn (x int4)", SQL_NTS), SQL_HANDLE_STMT, st, "CREATE");
    CHECK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0), SQL_HANDLE_DBC, dbc, "autocommit off");
    SQLINTEGER param = 0;
    CHECK(SQLPrepare(st, (SQLCHAR *)"INSERT INTO bench_txn VALUES (?)", SQL_NTS), SQL_HANDLE_STMT, st, "SQLPrepare");
    CHECK(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &param, 0, NULL), SQL_HANDLE_STMT, st,
          "SQLBindParameter");
    double started = bench_now();
    for (long i = 0; i < rows; i++) {
        param = (SQLINTEGER)i;
        CHECK(SQLExecute(st), SQL_HANDLE_STMT, st, "SQLExecute");
    }
    CHECK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT), SQL_HANDLE_DBC, dbc, "commit");
    double elapsed = bench_now() - started;
    SQLBIGINT count = -1;
    SQLLEN ind;
    CHECK(SQLExecDirect(st, (SQLCHAR *)"SELECT count(*) FROM bench_txn", SQL_NTS), SQL_HANDLE_STMT, st, "count");
    CHECK(SQLFetch(st), SQL_HANDLE_STMT, st, "SQLFetch");
    CHECK(SQLGetData(st, 1, SQL_C_SBIGINT, &count, 0, &ind), SQL_HANDLE_STMT, st, "SQLGetData");
    if (count != rows) {
        fprintf(stderr, "%s: %lld rows committed, expected %ld\n", BENCH_PROGRAM, (long long)count, rows);
        return 1;
    }
    CHECK(SQLCloseCursor(st), SQL_HANDLE_STMT, st, "SQLCloseCursor");
    CHECK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT), SQL_HANDLE_DBC, dbc, "commit");
    printf("RESULT rows=%ld us_per_insert=%.1f\n", rows, elapsed / (double)rows * 1e6);
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    SQLDisconnect(dbc);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    SQLFreeHandle(SQL_HANDLE_ENV, env);
    return 0;
}
