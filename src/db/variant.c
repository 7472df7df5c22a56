/* variant.c: optional segments of a statement's SQL, resolved per set of given parameters
 * (see variant.h). */
#include "variant.h"

#include "iasc/statements.h"

/* The parameter number after a '$' or a marker's '?'/'!' at p (0 when none), and where its
 * digits end. */
static unsigned number_at(const char *p, const char **end) {
  unsigned n = 0;
  while (*p >= '0' && *p <= '9' && n < 1000)
    n = n * 10 + (unsigned)(*p++ - '0');
  *end = p;
  return n;
}

static unsigned bit(unsigned n) {
  return n >= 1 && n <= 32 ? 1u << (n - 1) : 0;
}

/* A segment's marker at p ("{?n " or "{!n "): its parameter, whether it is kept for given,
 * and where its text starts. False when p is not a marker. */
static bool marker_at(const char *p, unsigned given, unsigned *n, bool *kept, const char **text) {
  if (p[0] != '{' || (p[1] != '?' && p[1] != '!'))
    return false;
  const char *end;
  *n = number_at(p + 2, &end);
  if (*n == 0 || *end != ' ')
    return false;
  bool is_given = (given & bit(*n)) != 0;
  *kept = p[1] == '?' ? is_given : !is_given;
  *text = end + 1;
  return true;
}

unsigned variant_optional(const char *sql) {
  unsigned optional = 0, n;
  bool kept;
  const char *text;
  for (const char *p = sql; *p != '\0'; p++)
    if (marker_at(p, 0, &n, &kept, &text))
      optional |= bit(n);
  return optional;
}

unsigned variant_index(unsigned optional, unsigned given) {
  unsigned index = 0, out = 1;
  for (unsigned b = 1; b != 0; b <<= 1) {
    if (!(optional & b))
      continue;
    if (given & b)
      index |= out;
    out <<= 1;
  }
  return index;
}

/* One pass over sql: appends the kept text to b (unless NULL) with $n written as its rank in
 * numbering (when numbering is not 0) or as n, and returns the parameters the kept text
 * references. */
static unsigned walk(const char *sql, unsigned given, unsigned numbering, struct buf *b) {
  unsigned refs = 0;
  int depth = 0, dropped_at = 0; /* dropped_at: depth of the outermost dropped segment, or 0 */
  for (const char *p = sql; *p != '\0';) {
    unsigned n;
    bool kept;
    const char *next;
    if (marker_at(p, given, &n, &kept, &next)) {
      depth++;
      if (!kept && dropped_at == 0)
        dropped_at = depth;
    } else if (*p == '}' && depth > 0) {
      if (dropped_at == depth)
        dropped_at = 0;
      depth--;
      next = p + 1;
    } else if (*p == '$' && (n = number_at(p + 1, &next)) != 0) {
      if (dropped_at == 0) {
        refs |= bit(n);
        unsigned shown = numbering ? (unsigned)__builtin_popcount(numbering & (bit(n) - 1)) + 1 : n;
        if (b != NULL)
          buf_printf(b, "$%u", shown);
      }
    } else {
      next = p + 1;
      if (dropped_at == 0 && b != NULL)
        buf_append(b, p, 1);
    }
    p = next;
  }
  return refs;
}

unsigned variant_resolve(const char *sql, unsigned given, bool renumber, struct buf *b) {
  unsigned refs = walk(sql, given, 0, NULL);
  if (b != NULL)
    walk(sql, given, renumber ? refs : 0, b);
  return refs;
}

char *statement_sql(enum stmt_id id, unsigned given) {
  struct buf b = {0};
  variant_resolve(STATEMENTS[id].sql, given, false, &b);
  buf_puts(&b, ""); /* an empty statement is still a string */
  if (b.failed) {
    buf_free(&b);
    return NULL;
  }
  return buf_steal(&b);
}
