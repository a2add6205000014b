/* auroraodbc: the driver's C extension API.
 *
 * Link nothing extra: resolve the symbol from the loaded driver, e.g. with
 * dlsym(RTLD_DEFAULT, "auroraodbc_release"), or declare it and link the driver library. */
#ifndef AURORAODBC_H
#define AURORAODBC_H

#ifdef __cplusplus
extern "C" {
#endif

/* Stops every background resource of the driver at once (host monitors, custom endpoint
 * pollers, the driver's worker threads) without waiting for them. Call it at the end of an
 * application, after closing its connections, so that it exits promptly (connections still
 * open are cut: their sockets live on the same worker threads). Safe to call more than once;
 * the driver starts what it needs again on next use. */
void auroraodbc_release(void);

#ifdef __cplusplus
}
#endif

#endif /* AURORAODBC_H */
