/* The fault soak's client: writer threads (autocommit and explicit transactions) and reader
 * threads, each with its own connection through unixODBC, keep working while the test
 * (tests/soak.rs) injures the stand-in cluster. Every call is timed.
 *
 * Usage: soak <writer connection string> <ack dir> <autocommit writers> <transaction writers>
 *             <rows per transaction> <pause between operations, µs>
 *             [<reader connection string> <readers> <allowed instances, comma separated>]
 *
 * Table soak(id bigint primary key, writer int, tx bigint, instance text) must exist.
 * Writer w inserts ids w * 1e9 + 1, 2, ... (a fresh id for every attempt), recording each row
 * the driver acknowledged (an autocommit insert that succeeded, or every row of a transaction
 * whose SQLEndTran(COMMIT) succeeded) as "id tx" lines in <ack dir>/acked-<w>. Readers ask
 * aurora_db_instance_identifier() over and over; with an allowed list, an answer outside it
 * is printed as NONMEMBER.
 *
 * Protocol on stdout: READY once every thread has done its first successful operation; then
 * "RSS <ms> <kB>" every 250 ms (this process's resident set) until a line arrives on stdin (or
 * it closes); then per-thread and total figures ("STATE <sqlstate> <count>", "MAXCALL <ms>
 * <call>", "ACKED <n>", "FAILED <n>", "READS <n>", "NONMEMBER_READS <n>") and "done". */
#include "check.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

enum kind { AUTOCOMMIT_WRITER, TRANSACTION_WRITER, READER };

#define MAX_STATES 32

struct worker {
  int index;
  enum kind kind;
  pthread_t thread;
  SQLHDBC dbc;
  FILE *acked;
  int started;
  /* Figures. */
  long long acked_rows, failed_calls, reads, nonmember_reads, operations;
  double max_call_ms;
  char max_call[64];
  char states[MAX_STATES][6];
  long state_counts[MAX_STATES];
  char last_message[1100];
};

static SQLHENV env;
static const char *writer_conn, *reader_conn, *allowed;
static const char *ack_dir;
static int rows_per_tx = 5;
static long pause_us = 2000;
static volatile int stopping;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int started_count;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void note_time(struct worker *w, const char *call, double began) {
  double took = now_ms() - began;
  if (took > w->max_call_ms) {
    w->max_call_ms = took;
    snprintf(w->max_call, sizeof w->max_call, "%s", call);
  }
}

/* Counts a failed call by the SQLSTATE of its first diagnostic record. */
static void note_failure(struct worker *w, SQLSMALLINT type, SQLHANDLE h) {
  char state[6] = "", msg[1024] = "";
  if (!diag_record(type, h, 1, state, msg, sizeof msg)) snprintf(state, sizeof state, "-----");
  w->failed_calls++;
  snprintf(w->last_message, sizeof w->last_message, "%s %s", state, msg);
  for (int i = 0; i < MAX_STATES; i++) {
    if (w->states[i][0] == 0) {
      snprintf(w->states[i], 6, "%s", state);
      w->state_counts[i] = 1;
      return;
    }
    if (strcmp(w->states[i], state) == 0) {
      w->state_counts[i]++;
      return;
    }
  }
}

static void mark_started(struct worker *w) {
  if (w->started) return;
  w->started = 1;
  pthread_mutex_lock(&lock);
  started_count++;
  pthread_mutex_unlock(&lock);
}

static void pause_a_little(void) {
  if (pause_us > 0) usleep((useconds_t)pause_us);
}

/* Timed SQLEndTran on the worker's connection; true when it succeeded. */
static int end_tran(struct worker *w, SQLSMALLINT how) {
  double began = now_ms();
  SQLRETURN rc = SQLEndTran(SQL_HANDLE_DBC, w->dbc, how);
  note_time(w, how == SQL_COMMIT ? "SQLEndTran(COMMIT)" : "SQLEndTran(ROLLBACK)", began);
  if (!OK(rc)) note_failure(w, SQL_HANDLE_DBC, w->dbc);
  return OK(rc);
}

static void run_writer(struct worker *w) {
  SQLHSTMT st = stmt_on(w->dbc);
  SQLBIGINT id = 0, tx = 0;
  SQLINTEGER writer = w->index;
  SQLLEN id_ind = 0, writer_ind = 0, tx_ind = SQL_NULL_DATA;
  long long next = (long long)(w->index + 1) * 1000000000LL;
  long long next_tx = next;
  CHECK(OK(SQLPrepare(st, (SQLCHAR *)"INSERT INTO soak(id, writer, tx, instance) VALUES (?, ?, ?, aurora_db_instance_identifier())",
                      SQL_NTS)),
        "prepare insert", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, &id, 0, &id_ind)), "bind id",
        SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &writer, 0, &writer_ind)),
        "bind writer", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindParameter(st, 3, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, &tx, 0, &tx_ind)), "bind tx",
        SQL_HANDLE_STMT, st);
  if (w->kind == TRANSACTION_WRITER) {
    CHECK(OK(SQLSetConnectAttr(w->dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0)), "autocommit off",
          SQL_HANDLE_DBC, w->dbc);
    tx_ind = 0;
  }
  long long *pending = calloc((size_t)rows_per_tx, sizeof *pending);
  if (!pending) check_fail("out of memory", __LINE__);
  while (!stopping) {
    w->operations++;
    if (w->kind == AUTOCOMMIT_WRITER) {
      id = ++next;
      double began = now_ms();
      SQLRETURN rc = SQLExecute(st);
      note_time(w, "SQLExecute(INSERT, autocommit)", began);
      if (OK(rc)) {
        fprintf(w->acked, "%lld 0\n", (long long)id);
        w->acked_rows++;
        mark_started(w);
      } else {
        note_failure(w, SQL_HANDLE_STMT, st);
      }
    } else {
      tx = ++next_tx;
      int ok = 1;
      for (int k = 0; k < rows_per_tx && ok; k++) {
        id = ++next;
        pending[k] = id;
        double began = now_ms();
        SQLRETURN rc = SQLExecute(st);
        note_time(w, "SQLExecute(INSERT, in a transaction)", began);
        if (!OK(rc)) {
          note_failure(w, SQL_HANDLE_STMT, st);
          ok = 0;
        }
      }
      if (ok && end_tran(w, SQL_COMMIT)) {
        for (int k = 0; k < rows_per_tx; k++) fprintf(w->acked, "%lld %lld\n", pending[k], (long long)tx);
        w->acked_rows += rows_per_tx;
        mark_started(w);
      } else {
        /* What an application does after a failed statement or commit: roll back, then run
         * the whole transaction again (here: a new one with fresh ids). */
        end_tran(w, SQL_ROLLBACK);
      }
    }
    pause_a_little();
  }
  free(pending);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* Whether `instance` is in the comma-separated allowed list (always, without a list). */
static int is_allowed(const char *instance) {
  if (!allowed || !*allowed) return 1;
  size_t n = strlen(instance);
  const char *p = allowed;
  while (*p) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, instance, n) == 0) return 1;
    if (!end) break;
    p = end + 1;
  }
  return 0;
}

static void run_reader(struct worker *w) {
  SQLHSTMT st = stmt_on(w->dbc);
  char instance[128];
  SQLLEN ind;
  while (!stopping) {
    w->operations++;
    double began = now_ms();
    SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"SELECT aurora_db_instance_identifier()", SQL_NTS);
    note_time(w, "SQLExecDirect(SELECT instance)", began);
    if (!OK(rc)) {
      note_failure(w, SQL_HANDLE_STMT, st);
      SQLFreeStmt(st, SQL_CLOSE);
      pause_a_little();
      continue;
    }
    began = now_ms();
    rc = SQLFetch(st);
    note_time(w, "SQLFetch(instance)", began);
    if (OK(rc)) rc = SQLGetData(st, 1, SQL_C_CHAR, instance, sizeof instance, &ind);
    if (!OK(rc)) {
      note_failure(w, SQL_HANDLE_STMT, st);
    } else {
      w->reads++;
      mark_started(w);
      if (!is_allowed(instance)) {
        w->nonmember_reads++;
        pthread_mutex_lock(&lock);
        printf("NONMEMBER %d %s\n", w->index, instance);
        fflush(stdout);
        pthread_mutex_unlock(&lock);
      }
    }
    SQLFreeStmt(st, SQL_CLOSE);
    pause_a_little();
  }
  SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void *work(void *arg) {
  struct worker *w = arg;
  if (w->kind == READER)
    run_reader(w);
  else
    run_writer(w);
  return NULL;
}

static long rss_kb(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return -1;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Waits up to `ms` for a line (or the end) on stdin; true when one came. */
static int stdin_ready(int ms) {
  fd_set set;
  FD_ZERO(&set);
  FD_SET(0, &set);
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  int n = select(1, &set, NULL, NULL, &tv);
  return n > 0;
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: soak <writer conn> <ack dir> <autocommit writers> <transaction writers> <rows per tx> <pause us> "
                    "[<reader conn> <readers> <allowed>]\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  writer_conn = argv[1];
  ack_dir = argv[2];
  int autocommit_writers = atoi(argv[3]), tx_writers = atoi(argv[4]);
  rows_per_tx = atoi(argv[5]);
  pause_us = atol(argv[6]);
  int readers = 0;
  if (argc >= 10) {
    reader_conn = argv[7];
    readers = atoi(argv[8]);
    allowed = argv[9];
  }
  if (rows_per_tx < 1) rows_per_tx = 1;
  int total = autocommit_writers + tx_writers + readers;
  struct worker *workers = calloc((size_t)total, sizeof *workers);
  if (!workers) check_fail("out of memory", __LINE__);

  CHECK(OK(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env)), "alloc env", SQL_HANDLE_ENV, env);
  CHECK(OK(SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0)), "odbc version", SQL_HANDLE_ENV, env);
  for (int i = 0; i < total; i++) {
    struct worker *w = &workers[i];
    w->index = i;
    w->kind = i < autocommit_writers ? AUTOCOMMIT_WRITER : i < autocommit_writers + tx_writers ? TRANSACTION_WRITER : READER;
    CHECK(OK(SQLAllocHandle(SQL_HANDLE_DBC, env, &w->dbc)), "alloc dbc", SQL_HANDLE_ENV, env);
    const char *conn = w->kind == READER ? reader_conn : writer_conn;
    SQLRETURN rc = SQLDriverConnect(w->dbc, NULL, (SQLCHAR *)conn, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
    CHECK(OK(rc), "connect", SQL_HANDLE_DBC, w->dbc);
    if (w->kind != READER) {
      char path[4096];
      snprintf(path, sizeof path, "%s/acked-%d", ack_dir, i);
      w->acked = fopen(path, "w");
      if (!w->acked) {
        perror(path);
        return 1;
      }
    }
  }
  for (int i = 0; i < total; i++)
    if (pthread_create(&workers[i].thread, NULL, work, &workers[i]) != 0) check_fail("pthread_create", __LINE__);

  /* READY once every thread has done something successfully (or 60 s have passed, which the
   * test sees as a missing READY). */
  double began = now_ms();
  for (;;) {
    pthread_mutex_lock(&lock);
    int n = started_count;
    pthread_mutex_unlock(&lock);
    if (n == total) break;
    if (now_ms() - began > 60000) {
      fprintf(stderr, "FAIL only %d of %d threads got going\n", n, total);
      for (int i = 0; i < total; i++)
        if (!workers[i].started) fprintf(stderr, "  thread %d: %s\n", i, workers[i].last_message);
      return 1;
    }
    usleep(10000);
  }
  printf("READY\n");
  double epoch = now_ms();
  while (!stdin_ready(250)) printf("RSS %.0f %ld\n", now_ms() - epoch, rss_kb());
  stopping = 1;
  for (int i = 0; i < total; i++) pthread_join(workers[i].thread, NULL);
  printf("RSS %.0f %ld\n", now_ms() - epoch, rss_kb());

  long long acked = 0, failed = 0, reads = 0, nonmember = 0;
  double max_ms = 0;
  const char *max_call = "";
  for (int i = 0; i < total; i++) {
    struct worker *w = &workers[i];
    static const char *names[] = {"autocommit", "transactions", "reader"};
    printf("THREAD %d %s operations=%lld acked=%lld failed=%lld reads=%lld max_call_ms=%.0f (%s)\n", i, names[w->kind],
           w->operations, w->acked_rows, w->failed_calls, w->reads, w->max_call_ms, w->max_call);
    if (w->failed_calls) printf("LAST_ERROR %d %s\n", i, w->last_message);
    for (int s = 0; s < MAX_STATES && w->states[s][0]; s++) printf("STATE %s %ld\n", w->states[s], w->state_counts[s]);
    acked += w->acked_rows;
    failed += w->failed_calls;
    reads += w->reads;
    nonmember += w->nonmember_reads;
    if (w->max_call_ms > max_ms) {
      max_ms = w->max_call_ms;
      max_call = w->max_call;
    }
    if (w->acked && fclose(w->acked) != 0) {
      perror("closing an ack file");
      return 1;
    }
    CHECK(OK(SQLDisconnect(w->dbc)), "disconnect", SQL_HANDLE_DBC, w->dbc);
    SQLFreeHandle(SQL_HANDLE_DBC, w->dbc);
  }
  SQLFreeHandle(SQL_HANDLE_ENV, env);
  printf("MAXCALL %.0f %s\n", max_ms, max_call);
  printf("ACKED %lld\nFAILED %lld\nREADS %lld\nNONMEMBER_READS %lld\n", acked, failed, reads, nonmember);
  printf("done\n");
  free(workers);
  return 0;
}
