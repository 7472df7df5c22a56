/* bootstrap.c: migrate and load the cursor key once, retrying after an outage. */
#include "iasc/bootstrap.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iasc/cursor.h"
#include "iasc/db.h"
#include "iasc/log.h"
#include "internal.h"

static atomic_bool ready;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static time_t last_try;

bool bootstrap_ensure(void) {
  if (atomic_load(&ready))
    return true;
  pthread_mutex_lock(&lock);
  time_t now = time(NULL);
  if (!atomic_load(&ready) && now != last_try) {
    last_try = now;
    PGconn *c = db_connect_direct();
    if (c != NULL) {
      char *secret = NULL;
      if (migrate_run(c) == 0 && (secret = migrate_cursor_secret(c)) != NULL) {
        cursor_set_secret(secret, strlen(secret));
        atomic_store(&ready, true);
        LOG_INFO("db", "database ready");
      }
      free(secret);
      PQfinish(c);
    }
  }
  pthread_mutex_unlock(&lock);
  return atomic_load(&ready);
}
