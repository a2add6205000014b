/* auroraodbc: C extension API of the driver (beyond the ODBC functions themselves). */
#ifndef AURORAODBC_H
#define AURORAODBC_H

#ifdef __cplusplus
extern "C" {
#endif

/* Stops every background resource of the driver at once: host monitors and their monitoring
 * connections, other plugin pollers, and the driver's runtime threads. Call it before the
 * application exits, after closing its connections, so that nothing waits on a monitor
 * (connections still open are cut: their sockets live on the same runtime). Safe to call more
 * than once and from any thread; the driver starts what it needs again on next use. Freeing
 * the last environment handle does the same. */
void auroraodbc_release(void);

#ifdef __cplusplus
}
#endif

#endif /* AURORAODBC_H */
