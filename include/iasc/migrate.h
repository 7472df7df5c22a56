/* migrate.h: the `migrate` and `seed` commands: schema migrations and starter data, each on
 * a connection of its own. (The server migrates through bootstrap.h.) */
#ifndef IASC_MIGRATE_H
#define IASC_MIGRATE_H

#include <stdbool.h>

/* Connects (db_init's conninfo), applies every pending migration and, with seed, loads the
 * starter data (rows that exist are left as they are). Returns 0, or -1 after logging. */
int migrate_database(bool seed);

#endif
