/* Latency benchmark client: many small statements, one after another, on one connection.
 *
 *   latency CONNECTION-STRING MODE CALLS
 *
 * MODE direct:   SQLExecDirect("SELECT 1") + SQLFetch + SQLGetData + SQLCloseCursor per call;
 * MODE prepared: one SQLPrepare("SELECT ? + 1") with a bound int parameter, then SQLExecute +
 *                SQLFetch + SQLGetData + SQLCloseCursor per call (the parameter changes each call).
 * Every result is checked. Prints one line:
 *   RESULT mode=<mode> calls=<n> us_per_call=<f> */
#define BENCH_PROGRAM "latency"
#include "bench_common.h"
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s CONNECTION-STRING direct|prepared CALLS\n", argv[0]);
        return 2;
    }
    const char *mode = argv[2];
    int prepared = strcmp(mode, "prepared") == 0;
    if (!prepared && strcmp(mode, "direct") != 0) {
        fprintf(stderr, "%s: unknown mode %s\n", BENCH_PROGRAM, mode);
        return 2;
    }
    long calls = atol(argv[3]);
    SQLHENV env;
    SQLHDBC dbc;
    SQLHSTMT st = bench_connect(argv[1], &env, &dbc);
    SQLINTEGER param = 0, value = 0;
    SQLLEN ind = 0;
    if (prepared) {
        CHECK(SQLPrepare(st, (SQLCHAR *)"SELECT ?::int4 + 1", SQL_NTS), SQL_HANDLE_STMT, st, "SQLPrepare");
        CHECK(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &param, 0, NULL), SQL_HANDLE_STMT, st,
              "SQLBindParameter");
    }
    double started = bench_now();
    for (long i = 0; i < calls; i++) {
        param = (SQLINTEGER)(i % 1000000);
        SQLRETURN rc = prepared ? SQLExecute(st) : SQLExecDirect(st, (SQLCHAR *)"SELECT 1", SQL_NTS);
        CHECK(rc, SQL_HANDLE_STMT, st, prepared ? "SQLExecute" : "SQLExecDirect");
        CHECK(SQLFetch(st), SQL_HANDLE_STMT, st, "SQLFetch");
        CHECK(SQLGetData(st, 1, SQL_C_SLONG, &value, 0, &ind), SQL_HANDLE_STMT, st, "SQLGetData");
        if (value != (prepared ? param + 1 : 1)) {
            fprintf(stderr, "%s: call %ld returned %d\n", BENCH_PROGRAM, i, (int)value);
            return 1;
        }
        CHECK(SQLCloseCursor(st), SQL_HANDLE_STMT, st, "SQLCloseCursor");
    }
    double elapsed = bench_now() - started;
    printf("RESULT mode=%s calls=%ld us_per_call=%.1f\n", mode, calls, elapsed / (double)calls * 1e6);
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    SQLDisconnect(dbc);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    SQLFreeHandle(SQL_HANDLE_ENV, env);
    return 0;
}
