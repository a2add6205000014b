/*
 * Bulk-insert benchmark: inserts N rows of (int4, int8, float8, text) through parameter arrays.
 *
 *   bulk_insert CONNECTION-STRING [N] [ARRAY] [TABLE]   (defaults: 1000000 rows, arrays of 1000, plain)
 *
 * TABLE is `plain` or `checked` (column a carries CHECK (a > 0), which the driver's default-path
 * COPY accepts as a check of built-in immutable functions).
 *
 * Column-wise parameter binding (SQL_PARAM_BIND_BY_COLUMN), SQL_ATTR_PARAMSET_SIZE = ARRAY,
 * SQL_ATTR_PARAM_STATUS_PTR and SQL_ATTR_PARAMS_PROCESSED_PTR, one prepared INSERT and one
 * SQLExecute per array, autocommit on (each array commits by itself). Row g holds
 * (g, g * 1000003, g * 0.25, "bulk-<g>-abcdefgh"); the last array may be shorter.
 *
 * Afterwards the table is checked with SQL (count, sums, text lengths), so that a driver that
 * drops or mangles sets cannot look fast. The last line is machine-readable:
 *
 *   RESULT mode=bulk rows=<n> array=<a> seconds=<s> cpu_seconds=<c> server_cpu_seconds=<v> maxrss_kb=<k> ok=<0|1>
 *
 * seconds is the wall time from the first SQLExecute to the last (prepare, table creation and
 * the check excluded); cpu_seconds is the whole process's user + system CPU time;
 * server_cpu_seconds is the CPU time of the connection's server process over the same span as
 * seconds (read from /proc, so only for a server on this machine; -1 otherwise).
 */
#define BENCH_PROGRAM "bulk_insert"
#include "bench_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define TEXT_CAP 32


static void exec(SQLHSTMT stmt, const char *sql)
{
    SQLRETURN rc = SQLExecDirect(stmt, (SQLCHAR *)sql, SQL_NTS);
    if (rc != SQL_NO_DATA)
        CHECK(rc, SQL_HANDLE_STMT, stmt, sql);
    SQLFreeStmt(stmt, SQL_CLOSE);
}

/* "bulk-<g>-abcdefgh" into `out`, by hand (snprintf per row would cost more than a driver call);
 * returns its length. */
static SQLLEN make_text(long long g, char *out)
{
    char digits[24];
    int nd = 0;
    for (unsigned long long v = (unsigned long long)g; v > 0 || nd == 0; v /= 10)
        digits[nd++] = (char)('0' + v % 10);
    memcpy(out, "bulk-", 5);
    int len = 5;
    while (nd > 0)
        out[len++] = digits[--nd];
    memcpy(out + len, "-abcdefgh", 9);
    len += 9;
    out[len] = 0;
    return len;
}

/* CPU seconds (user + system) the server process `pid` has used so far, from /proc: the
 * benchmark's server runs on this machine. -1 when it cannot be read. */
static double process_cpu(long long pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%lld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t len = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[len] = 0;
    /* Fields after the command name (which may hold spaces) in parentheses: the state is the
     * third field, utime the 14th and stime the 15th. */
    char *after = strrchr(line, ')');
    unsigned long long utime, stime;
    if (!after || sscanf(after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* The single integer a check query returns. */
static long long query_int(SQLHSTMT stmt, const char *sql)
{
    SQLBIGINT v = -1;
    SQLLEN ind = 0;
    CHECK(SQLExecDirect(stmt, (SQLCHAR *)sql, SQL_NTS), SQL_HANDLE_STMT, stmt, sql);
    CHECK(SQLFetch(stmt), SQL_HANDLE_STMT, stmt, "SQLFetch (check)");
    CHECK(SQLGetData(stmt, 1, SQL_C_SBIGINT, &v, 0, &ind), SQL_HANDLE_STMT, stmt, "SQLGetData (check)");
    SQLFreeStmt(stmt, SQL_CLOSE);
    return ind == SQL_NULL_DATA ? -1 : (long long)v;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CONNECTION-STRING [ROWS] [ARRAY] [plain|checked]\n", argv[0]);
        return 64;
    }
    const char *connstr = argv[1];
    long long n = argc > 2 ? atoll(argv[2]) : 1000000;
    long long array = argc > 3 ? atoll(argv[3]) : 1000;
    const char *kind = argc > 4 ? argv[4] : "plain";
    const char *create;
    if (strcmp(kind, "plain") == 0)
        create = "CREATE TABLE bench_bulk (a int4, b int8, c float8, d text)";
    else if (strcmp(kind, "checked") == 0)
        create = "CREATE TABLE bench_bulk (a int4 CHECK (a > 0), b int8, c float8, d text)";
    else {
        fprintf(stderr, "bulk_insert: TABLE must be plain or checked\n");
        return 64;
    }
    if (n < 1 || array < 1 || array > 100000) {
        fprintf(stderr, "bulk_insert: ROWS must be positive and ARRAY between 1 and 100000\n");
        return 64;
    }

    SQLHENV env;
    SQLHDBC dbc;
    SQLHSTMT stmt = bench_connect(connstr, &env, &dbc);
    SQLRETURN rc;

    long long backend = query_int(stmt, "SELECT pg_backend_pid()");
    exec(stmt, "DROP TABLE IF EXISTS bench_bulk");
    exec(stmt, create);

    SQLINTEGER *a = calloc((size_t)array, sizeof *a);
    SQLBIGINT *b = calloc((size_t)array, sizeof *b);
    double *c = calloc((size_t)array, sizeof *c);
    char *d = calloc((size_t)array, TEXT_CAP);
    SQLLEN *ind_a = calloc((size_t)array, sizeof(SQLLEN)), *ind_b = calloc((size_t)array, sizeof(SQLLEN));
    SQLLEN *ind_c = calloc((size_t)array, sizeof(SQLLEN)), *ind_d = calloc((size_t)array, sizeof(SQLLEN));
    SQLUSMALLINT *status = calloc((size_t)array, sizeof *status);
    if (!a || !b || !c || !d || !ind_a || !ind_b || !ind_c || !ind_d || !status) {
        fprintf(stderr, "bulk_insert: out of memory\n");
        return 2;
    }
    SQLULEN processed = 0;

    rc = SQLPrepare(stmt, (SQLCHAR *)"INSERT INTO bench_bulk (a, b, c, d) VALUES (?, ?, ?, ?)", SQL_NTS);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLPrepare");
    rc = SQLSetStmtAttr(stmt, SQL_ATTR_PARAM_BIND_TYPE, (SQLPOINTER)SQL_PARAM_BIND_BY_COLUMN, 0);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQL_ATTR_PARAM_BIND_TYPE");
    rc = SQLSetStmtAttr(stmt, SQL_ATTR_PARAM_STATUS_PTR, status, 0);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQL_ATTR_PARAM_STATUS_PTR");
    rc = SQLSetStmtAttr(stmt, SQL_ATTR_PARAMS_PROCESSED_PTR, &processed, 0);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQL_ATTR_PARAMS_PROCESSED_PTR");
    rc = SQLBindParameter(stmt, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, a, 0, ind_a);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLBindParameter(1)");
    rc = SQLBindParameter(stmt, 2, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, b, 0, ind_b);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLBindParameter(2)");
    rc = SQLBindParameter(stmt, 3, SQL_PARAM_INPUT, SQL_C_DOUBLE, SQL_DOUBLE, 0, 0, c, 0, ind_c);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLBindParameter(3)");
    rc = SQLBindParameter(stmt, 4, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, TEXT_CAP - 1, 0, d, TEXT_CAP, ind_d);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLBindParameter(4)");

    long long failed_sets = 0, done = 0;
    struct timespec t0, t1;
    double server0 = process_cpu(backend);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (done < n) {
        long long sets = n - done < array ? n - done : array;
        for (long long i = 0; i < sets; i++) {
            long long g = done + i + 1;
            a[i] = (SQLINTEGER)g;
            b[i] = (SQLBIGINT)g * 1000003;
            c[i] = (double)g * 0.25;
            ind_a[i] = ind_b[i] = ind_c[i] = 0;
            ind_d[i] = make_text(g, d + i * TEXT_CAP);
        }
        rc = SQLSetStmtAttr(stmt, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)(SQLULEN)sets, 0);
        CHECK(rc, SQL_HANDLE_STMT, stmt, "SQL_ATTR_PARAMSET_SIZE");
        rc = SQLExecute(stmt);
        CHECK(rc, SQL_HANDLE_STMT, stmt, "SQLExecute");
        if (processed != (SQLULEN)sets) {
            fprintf(stderr, "bulk_insert: %lu sets processed, expected %lld\n", (unsigned long)processed, sets);
            failed_sets += sets;
        }
        for (long long i = 0; i < sets; i++)
            if (status[i] != SQL_PARAM_SUCCESS && status[i] != SQL_PARAM_SUCCESS_WITH_INFO)
                failed_sets++;
        done += sets;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double server1 = process_cpu(backend);
    double server_cpu = server0 < 0 || server1 < 0 ? -1 : server1 - server0;
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    SQLFreeStmt(stmt, SQL_RESET_PARAMS);
    rc = SQLSetStmtAttr(stmt, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)1, 0);
    CHECK(rc, SQL_HANDLE_STMT, stmt, "SQL_ATTR_PARAMSET_SIZE reset");

    /* What the server holds must be exactly what was sent. */
    long long count = query_int(stmt, "SELECT count(*) FROM bench_bulk");
    long long sum_a = query_int(stmt, "SELECT sum(a)::int8 FROM bench_bulk");
    long long bad_b = query_int(stmt, "SELECT count(*) FROM bench_bulk WHERE b <> a::int8 * 1000003 OR c <> a * 0.25::float8");
    long long bad_d = query_int(stmt, "SELECT count(*) FROM bench_bulk WHERE d IS DISTINCT FROM 'bulk-' || a || '-abcdefgh'");
    int ok = failed_sets == 0 && count == n && sum_a == n * (n + 1) / 2 && bad_b == 0 && bad_d == 0;
    if (!ok)
        fprintf(stderr, "bulk_insert: check failed: failed sets %lld, count %lld, sum %lld, bad numbers %lld, bad texts %lld\n",
                failed_sets, count, sum_a, bad_b, bad_d);
    exec(stmt, "DROP TABLE bench_bulk");

    SQLFreeHandle(SQL_HANDLE_STMT, stmt);
    SQLDisconnect(dbc);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    SQLFreeHandle(SQL_HANDLE_ENV, env);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
    printf("RESULT mode=bulk rows=%lld array=%lld seconds=%.3f cpu_seconds=%.3f server_cpu_seconds=%.2f maxrss_kb=%ld ok=%d\n",
           done, array, seconds, cpu, server_cpu, ru.ru_maxrss, ok);
    return ok ? 0 : 1;
}
