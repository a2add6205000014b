/* Shared by the benchmark clients: diagnostics, a CHECK that exits on failure, connecting one
 * statement handle through a connection string, and a monotonic clock. Each client sets
 * BENCH_PROGRAM first. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <sql.h>
#include <sqlext.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Seconds on the monotonic clock, for intervals. */
static inline double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void diag(SQLSMALLINT type, SQLHANDLE handle, const char *what)
{
    SQLCHAR state[6], message[1024];
    SQLINTEGER native;
    SQLSMALLINT len;
    fprintf(stderr, "%s: %s failed\n", BENCH_PROGRAM, what);
    for (SQLSMALLINT i = 1; SQLGetDiagRec(type, handle, i, state, &native, message, sizeof message, &len) == SQL_SUCCESS; i++)
        fprintf(stderr, "  [%s] %s\n", (char *)state, (char *)message);
}

#define CHECK(rc, type, handle, what)                                                              \
    do {                                                                                           \
        if (!SQL_SUCCEEDED(rc)) {                                                                  \
            diag(type, handle, what);                                                              \
            exit(2);                                                                               \
        }                                                                                          \
    } while (0)

/* An ODBC 3 environment, a connection made from `connstr`, and one statement handle. */
static inline SQLHSTMT bench_connect(const char *connstr, SQLHENV *env, SQLHDBC *dbc)
{
    SQLHSTMT stmt;
    SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, env);
    if (!SQL_SUCCEEDED(rc)) {
        fprintf(stderr, "%s: cannot allocate an environment\n", BENCH_PROGRAM);
        exit(2);
    }
    rc = SQLSetEnvAttr(*env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
    CHECK(rc, SQL_HANDLE_ENV, *env, "SQLSetEnvAttr");
    rc = SQLAllocHandle(SQL_HANDLE_DBC, *env, dbc);
    CHECK(rc, SQL_HANDLE_ENV, *env, "SQLAllocHandle(DBC)");
    rc = SQLDriverConnect(*dbc, NULL, (SQLCHAR *)connstr, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
    CHECK(rc, SQL_HANDLE_DBC, *dbc, "SQLDriverConnect");
    rc = SQLAllocHandle(SQL_HANDLE_STMT, *dbc, &stmt);
    CHECK(rc, SQL_HANDLE_DBC, *dbc, "SQLAllocHandle(STMT)");
    return stmt;
}

#endif
