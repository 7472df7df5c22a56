/* auth.h: bearer tokens: made, listed and revoked from the command line; checked on every
 * request that carries one. Only the SHA-256 of a token is stored. */
#ifndef IASC_AUTH_H
#define IASC_AUTH_H

#include <stdbool.h>
#include <stdio.h>

struct principal {
  char id[37];
  char name[101];
  char scopes[160]; /* comma-separated, as stored */
};

enum auth_outcome {
  AUTH_OK,
  AUTH_MALFORMED, /* the Authorization header is not "Bearer <token>" */
  AUTH_INVALID,   /* unknown or revoked: the two are not told apart */
  AUTH_EXPIRED,
  AUTH_UNAVAILABLE, /* the database could not be asked */
};

/* Checks an Authorization header value. On AUTH_OK fills *who. */
enum auth_outcome auth_authenticate(const char *header, struct principal *who);

/* True when who holds scope, or admin (which includes every scope). */
bool auth_has_scope(const struct principal *who, const char *scope);

/* Writes the lower-case hex SHA-256 of token into out (65 bytes). Returns false on failure. */
bool auth_hash(const char *token, char out[65]);

/* Commands, on the calling thread's pool connection (db_init first). Each returns a process
 * exit code and prints problems on stderr. token_create prints the new token alone on the
 * last line of out, once. */
int token_create(const char *name, const char *scopes, const char *expires, FILE *out);
int token_list(FILE *out);
int token_revoke(const char *id, FILE *out);

#endif
