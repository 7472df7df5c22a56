/* sqlfiles.h: the SQL files of sql/, embedded in the binary at build time (sql/embed.py). */
#ifndef IASC_SQLFILES_H
#define IASC_SQLFILES_H

#include <stddef.h>

struct sql_file {
  const char *name; /* file name without .sql, e.g. "0001_content" */
  const char *sql;
};

extern const struct sql_file SQL_MIGRATIONS[];
extern const size_t SQL_MIGRATIONS_COUNT;
extern const struct sql_file SQL_SEEDS[];
extern const size_t SQL_SEEDS_COUNT;

#endif
