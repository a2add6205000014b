/* The driver's runtime under real application patterns: many threads, fork(), the release
 * function, and exit without cleaning up.
 * Usage: runtime "<connection string>" <path of the driver library> */
#include <dlfcn.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static const char *conn_str;

/* A connection of its own running `queries` statements; false at the first failure. It does
 * not end the program: it runs in threads and in a forked child. */
static int one_session(int queries) {
  SQLHENV env;
  SQLHDBC dbc;
  SQLHSTMT st;
  int ok = 1;
  SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
  SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
  SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
  if (!SQL_SUCCEEDED(SQLDriverConnect(dbc, NULL, (SQLCHAR *)conn_str, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT))) {
    fprintf(stderr, "connect failed\n");
    return 0;
  }
  SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
  for (int i = 0; i < queries && ok; i++) {
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT %d + 1", i);
    SQLINTEGER v = -1;
    SQLLEN ind;
    ok = SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)) && SQL_SUCCEEDED(SQLFetch(st)) &&
         SQL_SUCCEEDED(SQLGetData(st, 1, SQL_C_SLONG, &v, 0, &ind)) && v == i + 1;
    SQLCloseCursor(st);
  }
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  SQLDisconnect(dbc);
  SQLFreeHandle(SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_ENV, env);
  return ok;
}

static void *thread_main(void *arg) {
  (void)arg;
  return (void *)(long)one_session(50);
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  conn_str = argv[1];

  /* Eight application threads, each with its own connection, at once. */
  pthread_t threads[8];
  for (int i = 0; i < 8; i++) pthread_create(&threads[i], NULL, thread_main, NULL);
  for (int i = 0; i < 8; i++) {
    void *r;
    pthread_join(threads[i], &r);
    if (!(long)r) {
      char what[32];
      snprintf(what, sizeof what, "thread %d", i);
      check_fail(what, __LINE__);
    }
  }
  printf("ok threads\n");

  /* A child made by fork() after the driver was used gets a working driver of its own. */
  SQLHENV env;
  SQLHDBC dbc;
  connect_or_exit(conn_str, SQL_OV_ODBC3, &env, &dbc);
  pid_t child = fork();
  if (child == 0) {
    alarm(30);
    /* The child lets go of the connection it inherited: that must not end the parent's
     * session, whose socket it shares. */
    if (!SQL_SUCCEEDED(SQLDisconnect(dbc))) _exit(4);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    _exit(one_session(5) ? 0 : 3);
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "child status %d\n", status);
    check_fail("the forked child's own session", __LINE__);
  }
  SQLHSTMT st = stmt_on(dbc);
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)"SELECT 1", SQL_NTS)), "parent after fork", SQL_HANDLE_STMT, st);
  printf("ok fork\n");

  /* The release function stops background work; the driver starts again on next use. */
  void *lib = dlopen(argv[2], RTLD_NOW | RTLD_NOLOAD);
  void (*release)(void) = lib ? (void (*)(void))dlsym(lib, "auroraodbc_release") : NULL;
  if (!release) check_fail("auroraodbc_release found", __LINE__);
  SQLCloseCursor(st);
  release();
  release();
  if (!one_session(3)) check_fail("use after release", __LINE__);
  printf("ok release\n");

  /* Leave with a connection open and no cleanup: the process must still exit at once. */
  printf("exiting\n");
  fflush(stdout);
  return 0;
}
