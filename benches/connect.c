/* Connect benchmark client: what an application that connects per request pays each time.
 *
 *   connect CONNECTION-STRING COUNT [THREADS]
 *
 * Each of THREADS threads (default 1) runs COUNT / THREADS rounds of
 *   SQLAllocHandle(DBC) + SQLDriverConnect + SQLAllocHandle(STMT) + SQLExecDirect("SELECT 1")
 *   + SQLFetch + SQLGetData (checked) + SQLFreeHandle(STMT) + SQLDisconnect + SQLFreeHandle(DBC)
 * on one shared ODBC 3 environment (no driver-manager pooling). One connection is opened and
 * closed first, untimed, so that loading the driver is not counted. Prints one line:
 *   RESULT threads=<t> connects=<n> us_per_connect=<f> connects_per_s=<f> client_cpu_us_per_connect=<f>
 * us_per_connect is wall time divided by connects: with one thread, the latency of a round;
 * with several, the inverse of the throughput. client_cpu_us_per_connect is the process's user
 * and system CPU (driver threads included) divided by connects. */
#define BENCH_PROGRAM "connect"
#include "bench_common.h"
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* CPU seconds (user + system) of the whole process so far: the driver's threads included. */
static double cpu(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static SQLHENV env;
static const char *connstr;

/* One round: connect, run and check SELECT 1, disconnect. */
static void round_trip(void)
{
    SQLHDBC dbc;
    SQLHSTMT st;
    SQLINTEGER value = 0;
    SQLLEN ind = 0;
    CHECK(SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc), SQL_HANDLE_ENV, env, "SQLAllocHandle(DBC)");
    CHECK(SQLDriverConnect(dbc, NULL, (SQLCHAR *)connstr, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT), SQL_HANDLE_DBC, dbc,
          "SQLDriverConnect");
    CHECK(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st), SQL_HANDLE_DBC, dbc, "SQLAllocHandle(STMT)");
    CHECK(SQLExecDirect(st, (SQLCHAR *)"SELECT 1", SQL_NTS), SQL_HANDLE_STMT, st, "SQLExecDirect");
    CHECK(SQLFetch(st), SQL_HANDLE_STMT, st, "SQLFetch");
    CHECK(SQLGetData(st, 1, SQL_C_SLONG, &value, 0, &ind), SQL_HANDLE_STMT, st, "SQLGetData");
    if (value != 1) {
        fprintf(stderr, "%s: SELECT 1 returned %d\n", BENCH_PROGRAM, (int)value);
        exit(1);
    }
    CHECK(SQLFreeHandle(SQL_HANDLE_STMT, st), SQL_HANDLE_STMT, st, "SQLFreeHandle(STMT)");
    CHECK(SQLDisconnect(dbc), SQL_HANDLE_DBC, dbc, "SQLDisconnect");
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
}

static void *worker(void *arg)
{
    long rounds = *(long *)arg;
    for (long i = 0; i < rounds; i++)
        round_trip();
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s CONNECTION-STRING COUNT [THREADS]\n", argv[0]);
        return 2;
    }
    connstr = argv[1];
    long count = atol(argv[2]);
    int threads = argc == 4 ? atoi(argv[3]) : 1;
    if (count <= 0 || threads <= 0 || threads > 1024) {
        fprintf(stderr, "%s: COUNT and THREADS must be positive (THREADS at most 1024)\n", BENCH_PROGRAM);
        return 2;
    }
    long per_thread = count / threads;
    if (per_thread == 0)
        per_thread = 1;
    count = per_thread * threads;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env))) {
        fprintf(stderr, "%s: cannot allocate an environment\n", BENCH_PROGRAM);
        return 2;
    }
    CHECK(SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0), SQL_HANDLE_ENV, env, "SQLSetEnvAttr");
    round_trip(); /* warm-up: loads the driver, untimed */
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    if (ids == NULL)
        return 2;
    double started = bench_now(), cpu_started = cpu();
    if (threads == 1) {
        worker(&per_thread);
    } else {
        for (int t = 0; t < threads; t++) {
            if (pthread_create(&ids[t], NULL, worker, &per_thread) != 0) {
                fprintf(stderr, "%s: cannot start thread %d\n", BENCH_PROGRAM, t);
                return 2;
            }
        }
        for (int t = 0; t < threads; t++)
            pthread_join(ids[t], NULL);
    }
    double elapsed = bench_now() - started, cpu_used = cpu() - cpu_started;
    printf("RESULT threads=%d connects=%ld us_per_connect=%.1f connects_per_s=%.0f client_cpu_us_per_connect=%.1f\n", threads,
           count, elapsed / (double)count * 1e6, (double)count / elapsed, cpu_used / (double)count * 1e6);
    free(ids);
    SQLFreeHandle(SQL_HANDLE_ENV, env);
    return 0;
}
