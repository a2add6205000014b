/* Scale benchmark client: many connections in one process, all busy at once.
 *
 *   scale [-n CONNECTIONS] [-t THREADS] [-s SECONDS] [-x STATS-COMMAND] [-i] CONNECTION-STRING...
 *
 * 1. Loads the driver with one connect + disconnect (untimed) and reads the process's resident
 *    memory (VmRSS).
 * 2. Connect storm: THREADS threads (default 16) open CONNECTIONS connections (default 1000)
 *    as fast as they can, connection i with CONNECTION-STRING number i modulo their count (so
 *    three strings naming three instances spread the connections evenly). Timed as a whole;
 *    the latency of each SQLDriverConnect is kept for percentiles.
 * 3. Idle: the storm threads are joined, and after a pause the driver's threads are counted
 *    and VmRSS read again: (RSS after - RSS before) / CONNECTIONS is the memory an idle
 *    connection costs. STATS-COMMAND runs (through the shell) and its output is printed.
 * 4. Busy: one thread per connection allocates a statement and, all released together through
 *    a barrier, runs `SELECT pg_sleep(SECONDS)` (default 3) with SQLExecDirect, then fetches
 *    and checks the row. Halfway through the sleep, the driver's threads are counted and
 *    STATS-COMMAND runs again, while every call is in flight. The busy phase's wall time shows
 *    whether the calls really overlapped (close to SECONDS) or queued.
 * 5. Idle again: threads and VmRSS once more, then every connection is closed (timed).
 *
 * -i stops after step 3 and exits without closing anything: under a heap profiler (heaptrack)
 * what is still allocated at exit is then what the idle connections hold.
 *
 * Driver threads are the process's threads (/proc/self/task) that this program did not make:
 * every thread it makes is named "scale-..." (the main thread is "scale" by the executable's
 * name), so whatever else has a name of its own is the driver's (or the driver manager's). A
 * sampler thread reads the count every 20 ms and keeps the highest value of each phase.
 *
 * Output: lines `STATS <phase> <line>` with the command's output, and one line
 *   RESULT key=value ...
 * Exit status 0 when every connect, call and check succeeded. */
#define _GNU_SOURCE
#define BENCH_PROGRAM "scale"
#include "bench_common.h"
#include <dirent.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* VmRSS of this process, in kB. */
static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/* malloc's view (all arenas), in kB: bytes in allocated chunks, and bytes in free chunks that
 * the process still holds. Tells live memory from fragmentation. */
static void heap_kb(long *in_use, long *free_held)
{
    struct mallinfo2 m = mallinfo2();
    *in_use = (long)((m.uordblks + m.hblkhd) / 1024);
    *free_held = (long)(m.fordblks / 1024);
}

/* Threads of this process not made by this program (names not starting with "scale"). When
 * `names` is given, the distinct names found are appended to it (comma separated). */
static int driver_threads(char *names, size_t size)
{
    DIR *dir = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;
    if (dir == NULL)
        return -1;
    while ((e = readdir(dir)) != NULL) {
        char path[300], comm[64] = "";
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue; /* the thread exited meanwhile */
        if (fgets(comm, sizeof comm, f) == NULL)
            comm[0] = 0;
        fclose(f);
        comm[strcspn(comm, "\n")] = 0;
        if (strncmp(comm, "scale", 5) == 0)
            continue;
        n++;
        if (names != NULL && strstr(names, comm) == NULL && strlen(names) + strlen(comm) + 2 < size) {
            if (names[0] != 0)
                strcat(names, ",");
            strcat(names, comm);
        }
    }
    closedir(dir);
    return n;
}

static SQLHENV env;
static const char **connstrs;
static int nconnstr;
static long count;
static SQLHDBC *dbcs;
static double *connect_us;
static atomic_long next_index;
static double sleep_seconds = 3.0;

/* The sampler: highest driver thread count of the current phase. */
static atomic_int sampler_stop;
static atomic_int phase_max;

static void *sampler(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "scale-sampler");
    while (!atomic_load(&sampler_stop)) {
        int n = driver_threads(NULL, 0);
        int seen = atomic_load(&phase_max);
        while (n > seen && !atomic_compare_exchange_weak(&phase_max, &seen, n))
            ;
        usleep(20000);
    }
    return NULL;
}

static void *storm_worker(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "scale-storm");
    for (;;) {
        long i = atomic_fetch_add(&next_index, 1);
        if (i >= count)
            return NULL;
        SQLHDBC dbc;
        CHECK(SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc), SQL_HANDLE_ENV, env, "SQLAllocHandle(DBC)");
        double t0 = bench_now();
        SQLRETURN rc = SQLDriverConnect(dbc, NULL, (SQLCHAR *)connstrs[i % nconnstr], SQL_NTS, NULL, 0, NULL,
                                        SQL_DRIVER_NOPROMPT);
        connect_us[i] = (bench_now() - t0) * 1e6;
        CHECK(rc, SQL_HANDLE_DBC, dbc, "SQLDriverConnect");
        dbcs[i] = dbc;
    }
}

static pthread_barrier_t start_line;
static atomic_long calls_done;

static void *busy_worker(void *arg)
{
    long i = (long)(intptr_t)arg;
    char sql[64];
    SQLHSTMT st;
    SQLINTEGER value = 0;
    SQLLEN ind = 0;
    pthread_setname_np(pthread_self(), "scale-busy");
    snprintf(sql, sizeof sql, "SELECT 7 FROM pg_sleep(%.3f)", sleep_seconds);
    CHECK(SQLAllocHandle(SQL_HANDLE_STMT, dbcs[i], &st), SQL_HANDLE_DBC, dbcs[i], "SQLAllocHandle(STMT)");
    pthread_barrier_wait(&start_line);
    CHECK(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS), SQL_HANDLE_STMT, st, "SQLExecDirect(pg_sleep)");
    CHECK(SQLFetch(st), SQL_HANDLE_STMT, st, "SQLFetch");
    CHECK(SQLGetData(st, 1, SQL_C_SLONG, &value, 0, &ind), SQL_HANDLE_STMT, st, "SQLGetData");
    if (value != 7) {
        fprintf(stderr, "%s: connection %ld returned %d instead of 7\n", BENCH_PROGRAM, i, (int)value);
        exit(1);
    }
    CHECK(SQLFreeHandle(SQL_HANDLE_STMT, st), SQL_HANDLE_STMT, st, "SQLFreeHandle(STMT)");
    atomic_fetch_add(&calls_done, 1);
    return NULL;
}

/* Runs the statistics command, printing its lines as `STATS <phase> <line>`. */
static void stats(const char *command, const char *phase)
{
    char line[512];
    if (command == NULL)
        return;
    fflush(stdout);
    FILE *p = popen(command, "r");
    if (p == NULL) {
        fprintf(stderr, "%s: cannot run the statistics command\n", BENCH_PROGRAM);
        exit(2);
    }
    while (fgets(line, sizeof line, p) != NULL) {
        line[strcspn(line, "\n")] = 0;
        printf("STATS %s %s\n", phase, line);
    }
    if (pclose(p) != 0) {
        fprintf(stderr, "%s: the statistics command failed\n", BENCH_PROGRAM);
        exit(2);
    }
    fflush(stdout);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, long n, double p)
{
    long i = (long)(p * (double)(n - 1) + 0.5);
    return sorted[i];
}

/* Starts the sampler's next phase; returns the previous phase's highest count. */
static int next_phase(void)
{
    return atomic_exchange(&phase_max, driver_threads(NULL, 0));
}

static void start_thread(pthread_t *id, pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    if (pthread_create(id, attr, fn, arg) != 0) {
        fprintf(stderr, "%s: cannot start a thread\n", BENCH_PROGRAM);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    int threads = 16, opt, idle_only = 0;
    const char *stats_command = NULL;
    count = 1000;
    while ((opt = getopt(argc, argv, "n:t:s:x:i")) != -1) {
        switch (opt) {
        case 'n': count = atol(optarg); break;
        case 't': threads = atoi(optarg); break;
        case 's': sleep_seconds = atof(optarg); break;
        case 'x': stats_command = optarg; break;
        case 'i': idle_only = 1; break;
        default:
            fprintf(stderr, "usage: %s [-n CONNECTIONS] [-t THREADS] [-s SECONDS] [-x STATS-COMMAND] [-i] CONNECTION-STRING...\n",
                    argv[0]);
            return 2;
        }
    }
    if (optind >= argc || count <= 0 || threads <= 0 || threads > 1024 || sleep_seconds <= 0) {
        fprintf(stderr, "%s: give at least one connection string; counts and seconds must be positive\n", BENCH_PROGRAM);
        return 2;
    }
    connstrs = (const char **)&argv[optind];
    nconnstr = argc - optind;
    dbcs = calloc((size_t)count, sizeof *dbcs);
    connect_us = calloc((size_t)count, sizeof *connect_us);
    pthread_t *ids = calloc((size_t)(count > threads ? count : threads), sizeof *ids);
    if (dbcs == NULL || connect_us == NULL || ids == NULL)
        return 2;

    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env))) {
        fprintf(stderr, "%s: cannot allocate an environment\n", BENCH_PROGRAM);
        return 2;
    }
    CHECK(SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0), SQL_HANDLE_ENV, env, "SQLSetEnvAttr");

    /* 1. Load the driver (untimed). */
    {
        SQLHDBC dbc;
        CHECK(SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc), SQL_HANDLE_ENV, env, "SQLAllocHandle(DBC)");
        CHECK(SQLDriverConnect(dbc, NULL, (SQLCHAR *)connstrs[0], SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT),
              SQL_HANDLE_DBC, dbc, "SQLDriverConnect (warm-up)");
        CHECK(SQLDisconnect(dbc), SQL_HANDLE_DBC, dbc, "SQLDisconnect (warm-up)");
        SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    }
    long rss_before = rss_kb(), heap_before, free_before;
    heap_kb(&heap_before, &free_before);
    int threads_loaded = driver_threads(NULL, 0);

    pthread_t sampler_id;
    atomic_store(&phase_max, threads_loaded);
    start_thread(&sampler_id, NULL, sampler, NULL);

    /* 2. Connect storm. */
    double t0 = bench_now();
    for (int t = 0; t < threads; t++)
        start_thread(&ids[t], NULL, storm_worker, NULL);
    for (int t = 0; t < threads; t++)
        pthread_join(ids[t], NULL);
    double storm_s = bench_now() - t0;
    int storm_max = next_phase();

    /* 3. Idle. */
    sleep(2);
    char idle_names[256] = "";
    int idle_threads = driver_threads(idle_names, sizeof idle_names);
    long rss_idle = rss_kb(), heap_idle, free_idle;
    heap_kb(&heap_idle, &free_idle);
    stats(stats_command, "idle");
    next_phase();
    if (idle_only) {
        printf("RESULT connections=%ld storm_s=%.3f rss_before_kb=%ld rss_idle_kb=%ld kb_per_idle_connection=%.1f "
               "heap_kb_per_idle_connection=%.1f free_heap_kb_per_idle_connection=%.1f driver_threads_idle=%d\n",
               count, storm_s, rss_before, rss_idle, (double)(rss_idle - rss_before) / (double)count,
               (double)(heap_idle - heap_before) / (double)count, (double)(free_idle - free_before) / (double)count,
               idle_threads);
        fflush(stdout);
        _exit(0);
    }

    /* 4. Busy: every connection in a call at once. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 512 * 1024);
    if (pthread_barrier_init(&start_line, NULL, (unsigned)count + 1) != 0)
        return 2;
    for (long i = 0; i < count; i++)
        start_thread(&ids[i], &attr, busy_worker, (void *)(intptr_t)i);
    pthread_barrier_wait(&start_line);
    double busy_started = bench_now();
    next_phase();
    usleep((useconds_t)(sleep_seconds * 0.5 * 1e6));
    char busy_names[256] = "";
    int busy_threads = driver_threads(busy_names, sizeof busy_names);
    long done_at_sample = atomic_load(&calls_done);
    stats(stats_command, "busy");
    for (long i = 0; i < count; i++)
        pthread_join(ids[i], NULL);
    double busy_s = bench_now() - busy_started;
    int busy_max = next_phase();

    /* 5. Idle again, then close everything. */
    sleep(2);
    int after_threads = driver_threads(NULL, 0);
    long rss_after = rss_kb();
    double t1 = bench_now();
    for (long i = 0; i < count; i++) {
        CHECK(SQLDisconnect(dbcs[i]), SQL_HANDLE_DBC, dbcs[i], "SQLDisconnect");
        SQLFreeHandle(SQL_HANDLE_DBC, dbcs[i]);
    }
    double close_s = bench_now() - t1;
    atomic_store(&sampler_stop, 1);
    pthread_join(sampler_id, NULL);

    qsort(connect_us, (size_t)count, sizeof *connect_us, by_value);
    printf("RESULT connections=%ld storm_threads=%d storm_s=%.3f connects_per_s=%.0f connect_ms_p50=%.2f "
           "connect_ms_p99=%.2f connect_ms_max=%.2f rss_before_kb=%ld rss_idle_kb=%ld kb_per_idle_connection=%.1f "
           "heap_kb_per_idle_connection=%.1f free_heap_kb_per_idle_connection=%.1f driver_threads_loaded=%d driver_threads_storm_max=%d driver_threads_idle=%d driver_thread_names=%s "
           "sleep_s=%.3f busy_s=%.3f calls_done_at_sample=%ld driver_threads_busy=%d driver_threads_busy_max=%d "
           "busy_thread_names=%s driver_threads_after=%d rss_after_busy_kb=%ld kb_per_connection_after_busy=%.1f "
           "close_s=%.3f\n",
           count, threads, storm_s, (double)count / storm_s, percentile(connect_us, count, 0.5) / 1e3,
           percentile(connect_us, count, 0.99) / 1e3, connect_us[count - 1] / 1e3, rss_before, rss_idle,
           (double)(rss_idle - rss_before) / (double)count, (double)(heap_idle - heap_before) / (double)count,
           (double)(free_idle - free_before) / (double)count, threads_loaded, storm_max, idle_threads,
           idle_names[0] ? idle_names : "-", sleep_seconds, busy_s, done_at_sample, busy_threads, busy_max,
           busy_names[0] ? busy_names : "-", after_threads, rss_after, (double)(rss_after - rss_before) / (double)count,
           close_s);
    SQLFreeHandle(SQL_HANDLE_ENV, env);
    free(dbcs);
    free(connect_us);
    free(ids);
    return 0;
}
