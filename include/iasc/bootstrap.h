/* bootstrap.h: bringing a server's database side up: migrations applied and the shared
 * cursor key loaded. Retried on demand, so a server started during a database outage
 * recovers by itself when the database returns. */
#ifndef IASC_BOOTSTRAP_H
#define IASC_BOOTSTRAP_H

#include <stdbool.h>

/* True once the database is migrated and the cursor key loaded. Otherwise tries (at most
 * once a second across threads) and returns whether that succeeded. Thread-safe. */
bool bootstrap_ensure(void);

#endif
