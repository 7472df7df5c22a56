/* variant.h: private to src/db: the variants of a statement of STATEMENTS. Its SQL may hold
 * optional segments: "{?n ...}" is kept only when $n is given (not NULL), "{!n ...}" only when
 * it is not, and segments nest. Each set of given optional parameters is a statement of its
 * own (prepared on first use by pool.c), whose $n are renumbered over the parameters it still
 * references. Templates hold no other braces and no '$' but parameter references (checked by
 * tests/unit/db/test_statements.c). Bit n-1 of a parameter mask stands for $n. */
#ifndef IASC_DB_VARIANT_H
#define IASC_DB_VARIANT_H

#include <stdbool.h>

#include "iasc/buf.h"

/* The parameters whose presence selects segments of sql. */
unsigned variant_optional(const char *sql);

/* The number of the variant for the parameters in given, among those a statement with these
 * optional parameters has: the given optional parameters packed into the low bits, so 0 when
 * none is given and below 1 << popcount(optional). */
unsigned variant_index(unsigned optional, unsigned given);

/* Resolves sql for the parameters in given: appends the kept text to b (when b is not NULL),
 * with each $n renumbered 1.. in the order of n over the parameters it references when
 * renumber is true, else as written. Returns the parameters the kept text references: what
 * to bind, in the order of n. Cannot fail (b records its own allocation failures). */
unsigned variant_resolve(const char *sql, unsigned given, bool renumber, struct buf *b);

#endif
