/* tokens.c: bearer tokens: 256 random bits from the OS, shown once, stored as SHA-256. */
#include "iasc/auth.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "iasc/db.h"
#include "iasc/log.h"
#include "iasc/text.h"

#define TOKEN_PREFIX "iasc_"

static const char *const SCOPES[] = {"news:write",      "publications:write",
                                     "helplines:write", "support-rates:write",
                                     "resources:write", "metrics",
                                     "admin",           NULL};

bool auth_hash(const char *token, char out[65]) {
  unsigned char digest[32];
  if (gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), digest) != 0)
    return false;
  text_hex(digest, sizeof digest, out);
  return true;
}

/* Compares two equal-length strings without an early exit. */
static bool equal_ct(const char *a, const char *b, size_t n) {
  unsigned char diff = 0;
  for (size_t i = 0; i < n; i++)
    diff |= (unsigned char)(a[i] ^ b[i]);
  return diff == 0;
}

/* Finds the token whose hash is hash; on AUTH_OK fills *who and records its use. */
static enum auth_outcome lookup(const char *hash, struct principal *who) {
  const char *params[1] = {hash};
  struct db_rows *r = NULL;
  if (db_exec(STMT_TOKEN_LOOKUP, params, &r) != IASC_OK)
    return AUTH_UNAVAILABLE;
  enum auth_outcome out = AUTH_INVALID;
  if (db_rows_count(r) == 1 && db_length(r, 0, 5) == 64 && equal_ct(db_value(r, 0, 5), hash, 64)) {
    if (strcmp(db_value(r, 0, 4), "t") == 0)
      out = AUTH_INVALID; /* revoked: said the same way as unknown */
    else if (strcmp(db_value(r, 0, 3), "t") == 0)
      out = AUTH_EXPIRED;
    else
      out = AUTH_OK;
  }
  if (out == AUTH_OK) {
    snprintf(who->id, sizeof who->id, "%s", db_value(r, 0, 0));
    snprintf(who->name, sizeof who->name, "%s", db_value(r, 0, 1));
    snprintf(who->scopes, sizeof who->scopes, "%s", db_value(r, 0, 2));
  }
  db_rows_free(r);
  if (out == AUTH_OK) {
    const char *touch[1] = {who->id};
    if (db_exec(STMT_TOKEN_TOUCH, touch, &r) == IASC_OK)
      db_rows_free(r);
  }
  return out;
}

enum auth_outcome auth_authenticate(const char *header, struct principal *who) {
  const char *p = header;
  if (strncasecmp(p, "Bearer ", 7) != 0)
    return AUTH_MALFORMED;
  p += 7;
  while (*p == ' ')
    p++;
  size_t n = strlen(p);
  while (n > 0 && p[n - 1] == ' ')
    n--;
  if (n == 0 || n > 200)
    return n == 0 ? AUTH_MALFORMED : AUTH_INVALID;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '_' && p[i] != '.' && p[i] != '~' &&
        p[i] != '+' && p[i] != '/' && p[i] != '=')
      return AUTH_MALFORMED;
  char token[201], hash[65];
  memcpy(token, p, n);
  token[n] = '\0';
  if (!auth_hash(token, hash))
    return AUTH_UNAVAILABLE;
  return lookup(hash, who);
}

bool auth_has_scope(const struct principal *who, const char *scope) {
  const char *p = who->scopes;
  while (*p) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if ((len == 5 && strncmp(p, "admin", 5) == 0) ||
        (len == strlen(scope) && strncmp(p, scope, len) == 0))
      return true;
    p += len + (comma ? 1 : 0);
  }
  return false;
}

/* True when scopes is a comma-separated list of known scopes. */
static bool auth_valid_scopes(const char *scopes) {
  const char *p = scopes;
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    bool ok = false;
    for (size_t i = 0; SCOPES[i]; i++)
      ok = ok || (strlen(SCOPES[i]) == len && strncmp(SCOPES[i], p, len) == 0);
    if (!ok)
      return false; /* unknown, or empty (a leading, doubled or trailing comma) */
    if (comma == NULL)
      return true;
    p = comma + 1;
  }
}

/* "90d", "12h", "30m" into a PostgreSQL interval text in out; "never" or NULL sets *never.
 * False when spec is none of these. */
static bool auth_parse_expiry(const char *spec, char *out, size_t size, bool *never) {
  *never = spec == NULL || strcmp(spec, "never") == 0;
  if (*never)
    return true;
  char *end;
  if (spec[0] < '0' || spec[0] > '9') /* strtol would take spaces and signs */
    return false;
  long v = strtol(spec, &end, 10);
  const char *unit = *end == 'd' ? "days" : *end == 'h' ? "hours" : *end == 'm' ? "minutes" : NULL;
  if (v <= 0 || v > 3650 || unit == NULL || end[1] != '\0')
    return false;
  snprintf(out, size, "%ld %s", v, unit);
  return true;
}

int token_create(const char *name, const char *scopes, const char *expires, FILE *out) {
  char interval[32], hash[65];
  bool never;
  if (name == NULL || *name == '\0' || strlen(name) > 100) {
    fprintf(stderr, "iasc-api: token create needs --name (1 to 100 characters)\n");
    return 2;
  }
  if (scopes == NULL || !auth_valid_scopes(scopes)) {
    fprintf(stderr, "iasc-api: --scope takes a comma-separated list of: news:write, "
                    "publications:write, helplines:write, support-rates:write, "
                    "resources:write, metrics, admin\n");
    return 2;
  }
  if (!auth_parse_expiry(expires, interval, sizeof interval, &never)) {
    fprintf(stderr, "iasc-api: --expires takes e.g. 90d, 12h, 30m or never\n");
    return 2;
  }
  unsigned char rnd[32];
  if (gnutls_rnd(GNUTLS_RND_KEY, rnd, sizeof rnd) != 0) {
    fprintf(stderr, "iasc-api: no randomness from the OS\n");
    return 1;
  }
  char token[80] = TOKEN_PREFIX;
  text_hex(rnd, sizeof rnd, token + strlen(TOKEN_PREFIX));
  memset(rnd, 0, sizeof rnd);
  if (!auth_hash(token, hash))
    return 1;
  const char *params[4] = {name, hash, scopes, never ? NULL : interval};
  struct db_rows *r = NULL;
  int rc = 1;
  if (db_exec(STMT_TOKEN_CREATE, params, &r) == IASC_OK) {
    fprintf(stderr, "token %s created: name %s, scopes %s, expires %s\n", db_value(r, 0, 0), name,
            db_value(r, 0, 1), never ? "never" : db_value(r, 0, 2));
    fprintf(stderr, "The token is shown once, on the next line; only its hash is kept.\n");
    fprintf(out, "%s\n", token);
    rc = 0;
  } else {
    fprintf(stderr, "iasc-api: token create failed (see the log)\n");
  }
  db_rows_free(r);
  memset(token, 0, sizeof token);
  return rc;
}

int token_list(FILE *out) {
  struct db_rows *r = NULL;
  if (db_exec(STMT_TOKEN_LIST, NULL, &r) != IASC_OK) {
    fprintf(stderr, "iasc-api: token list failed (see the log)\n");
    return 1;
  }
  fprintf(out, "id\tname\tscopes\tcreated\texpires\tlast used\trevoked\n");
  for (int i = 0; i < db_rows_count(r); i++) {
    for (int f = 0; f < 7; f++)
      fprintf(out, "%s%s", db_value(r, i, f), f < 6 ? "\t" : "\n");
  }
  db_rows_free(r);
  return 0;
}

int token_revoke(const char *id, FILE *out) {
  if (id == NULL || strlen(id) != 36) {
    fprintf(stderr, "iasc-api: token revoke needs the token's id (see token list)\n");
    return 2;
  }
  const char *params[1] = {id};
  struct db_rows *r = NULL;
  int rc = 1;
  if (db_exec(STMT_TOKEN_REVOKE, params, &r) != IASC_OK)
    fprintf(stderr, "iasc-api: token revoke failed (see the log)\n");
  else if (db_rows_count(r) == 0)
    fprintf(stderr, "iasc-api: no token with id %s\n", id);
  else {
    fprintf(out, "token %s revoked at %s\n", id, db_value(r, 0, 0));
    rc = 0;
  }
  db_rows_free(r);
  return rc;
}
