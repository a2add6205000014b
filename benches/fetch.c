/*
 * Fetch benchmark: reads N rows of (int4, int8, float8, text) through any ODBC driver.
 *
 *   fetch CONNECTION-STRING getdata|block [N]
 *
 * getdata: SQLFetch one row at a time, SQLGetData for every column
 *          (SQL_C_SLONG, SQL_C_SBIGINT, SQL_C_DOUBLE, SQL_C_CHAR).
 * block:   column-wise block cursor of BLOCK rows (SQL_BIND_BY_COLUMN,
 *          SQL_ATTR_ROW_ARRAY_SIZE, SQL_ATTR_ROWS_FETCHED_PTR, bound arrays).
 *
 * Every value is checked against what the query must return (row g: g, g, g * 1.5,
 * "text-<g>-abcdefgh"), and a checksum over all values is printed so that runs through
 * different drivers can be compared. The last line of output is machine-readable:
 *
 *   RESULT mode=<m> rows=<n> seconds=<s> cpu_seconds=<c> maxrss_kb=<k> checksum=<hex> ok=<0|1>
 *
 * seconds is the wall time from SQLExecDirect through the last fetch (connecting excluded);
 * cpu_seconds is the whole process's user + system CPU time (every thread, connect included),
 * which busy neighbours on a shared machine disturb less than wall time.
 * Exit status 0 only when every row arrived with the expected values.
 */
#define BENCH_PROGRAM "fetch"
#include "bench_common.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define BLOCK 1000
#define TEXT_CAP 64


/* FNV-1a over the bytes of each value, in row order. */
static uint64_t checksum = 1469598103934665603ULL;

static void mix(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        checksum ^= b[i];
        checksum *= 1099511628211ULL;
    }
}

static long long bad_rows;

/* Checks one row against what the query produces for row `expect` and folds it into the checksum. */
static void check_row(long long expect, SQLINTEGER i4, SQLBIGINT i8, double f8, const char *text, SQLLEN text_len)
{
    /* "text-<expect>-abcdefgh", built by hand: snprintf per row would cost as much as a driver call. */
    char want[TEXT_CAP], digits[24];
    int nd = 0;
    for (unsigned long long v = (unsigned long long)expect; v > 0 || nd == 0; v /= 10)
        digits[nd++] = (char)('0' + v % 10);
    memcpy(want, "text-", 5);
    int want_len = 5;
    while (nd > 0)
        want[want_len++] = digits[--nd];
    memcpy(want + want_len, "-abcdefgh", 9);
    want_len += 9;
    if (i4 != (SQLINTEGER)expect || i8 != (SQLBIGINT)expect || f8 != (double)expect * 1.5 || text_len != want_len ||
        memcmp(text, want, (size_t)want_len) != 0) {
        if (bad_rows < 5)
            fprintf(stderr, "fetch: row %lld differs: %d %lld %g '%.*s' (len %ld)\n", expect, (int)i4, (long long)i8,
                    f8, text_len > 0 ? (int)text_len : 0, text, (long)text_len);
        bad_rows++;
    }
    int64_t v4 = i4, v8 = i8;
    mix(&v4, sizeof v4);
    mix(&v8, sizeof v8);
    mix(&f8, sizeof f8);
    if (text_len > 0)
        mix(text, (size_t)text_len);
}

static long long fetch_getdata(SQLHSTMT stmt)
{
    long long rows = 0;
    SQLRETURN rc;
    while ((rc = SQLFetch(stmt)) != SQL_NO_DATA) {
        CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLFetch");
        SQLINTEGER i4 = 0;
        SQLBIGINT i8 = 0;
        double f8 = 0;
        char text[TEXT_CAP];
        SQLLEN ind4, ind8, indf, indt;
        rc = SQLGetData(stmt, 1, SQL_C_SLONG, &i4, 0, &ind4);
        CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLGetData(1)");
        rc = SQLGetData(stmt, 2, SQL_C_SBIGINT, &i8, 0, &ind8);
        CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLGetData(2)");
        rc = SQLGetData(stmt, 3, SQL_C_DOUBLE, &f8, 0, &indf);
        CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLGetData(3)");
        rc = SQLGetData(stmt, 4, SQL_C_CHAR, text, sizeof text, &indt);
        CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLGetData(4)");
        rows++;
        if (ind4 == SQL_NULL_DATA || ind8 == SQL_NULL_DATA || indf == SQL_NULL_DATA || indt == SQL_NULL_DATA)
            bad_rows++;
        check_row(rows, i4, i8, f8, text, indt);
    }
    return rows;
}

static long long fetch_block(SQLHSTMT stmt)
{
    static SQLINTEGER i4[BLOCK];
    static SQLBIGINT i8[BLOCK];
    static double f8[BLOCK];
    static char text[BLOCK][TEXT_CAP];
    static SQLLEN ind4[BLOCK], ind8[BLOCK], indf[BLOCK], indt[BLOCK];
    SQLULEN fetched = 0;
    SQLRETURN rc;

    rc = SQLSetStmtAttr(stmt, SQL_ATTR_ROW_BIND_TYPE, (SQLPOINTER)SQL_BIND_BY_COLUMN, 0);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQL_ATTR_ROW_BIND_TYPE");
    rc = SQLSetStmtAttr(stmt, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)(SQLULEN)BLOCK, 0);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQL_ATTR_ROW_ARRAY_SIZE");
    rc = SQLSetStmtAttr(stmt, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQL_ATTR_ROWS_FETCHED_PTR");
    rc = SQLBindCol(stmt, 1, SQL_C_SLONG, i4, sizeof i4[0], ind4);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLBindCol(1)");
    rc = SQLBindCol(stmt, 2, SQL_C_SBIGINT, i8, sizeof i8[0], ind8);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLBindCol(2)");
    rc = SQLBindCol(stmt, 3, SQL_C_DOUBLE, f8, sizeof f8[0], indf);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLBindCol(3)");
    rc = SQLBindCol(stmt, 4, SQL_C_CHAR, text, TEXT_CAP, indt);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLBindCol(4)");

    long long rows = 0;
    while ((rc = SQLFetch(stmt)) != SQL_NO_DATA) {
        CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLFetch (block)");
        if (fetched == 0 || fetched > BLOCK) {
            fprintf(stderr, "fetch: SQL_ATTR_ROWS_FETCHED_PTR reports %lu rows\n", (unsigned long)fetched);
            exit(2);
        }
        for (SQLULEN r = 0; r < fetched; r++) {
            rows++;
            if (ind4[r] == SQL_NULL_DATA || ind8[r] == SQL_NULL_DATA || indf[r] == SQL_NULL_DATA ||
                indt[r] == SQL_NULL_DATA)
                bad_rows++;
            check_row(rows, i4[r], i8[r], f8[r], text[r], indt[r]);
        }
        fetched = 0;
    }
    return rows;
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[2], "getdata") != 0 && strcmp(argv[2], "block") != 0)) {
        fprintf(stderr, "usage: %s CONNECTION-STRING getdata|block [ROWS]\n", argv[0]);
        return 64;
    }
    const char *connstr = argv[1];
    const char *mode = argv[2];
    long long n = argc > 3 ? atoll(argv[3]) : 1000000;
    if (n < 1) {
        fprintf(stderr, "fetch: ROWS must be positive\n");
        return 64;
    }

    SQLHENV env;
    SQLHDBC dbc;
    SQLHSTMT stmt = bench_connect(connstr, &env, &dbc);
    SQLRETURN rc;

    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT g::int4, g::int8, g::float8 * 1.5, 'text-' || g || '-abcdefgh' FROM generate_series(1, %lld) g", n);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = SQLExecDirect(stmt, (SQLCHAR *)sql, SQL_NTS);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLExecDirect");
    long long rows = strcmp(mode, "block") == 0 ? fetch_block(stmt) : fetch_getdata(stmt);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

    SQLCloseCursor(stmt);
    SQLFreeHandle(SQL_HANDLE_STMT, stmt);
    SQLDisconnect(dbc);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    SQLFreeHandle(SQL_HANDLE_ENV, env);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (rows != n) {
        fprintf(stderr, "fetch: got %lld rows, expected %lld\n", rows, n);
        bad_rows++;
    }
    if (bad_rows > 0)
        fprintf(stderr, "fetch: %lld rows with wrong values\n", bad_rows);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
    printf("RESULT mode=%s rows=%lld seconds=%.3f cpu_seconds=%.3f maxrss_kb=%ld checksum=%016" PRIx64 " ok=%d\n", mode,
           rows, seconds, cpu, ru.ru_maxrss, checksum, bad_rows == 0);
    return bad_rows == 0 ? 0 : 1;
}
