/* cursor.h: opaque keyset cursors, signed so that tampering is detected (400). */
#ifndef IASC_CURSOR_H
#define IASC_CURSOR_H

#include <stddef.h>

#include "iasc/result.h"

#define CURSOR_MAX_KEYS 6

/* Sets the signing key (copied). Must be called before encode/decode; not thread-safe. */
void cursor_set_secret(const char *secret, size_t len);

/* Encodes kind and keys into a URL-safe token. Returns a malloc'd string or NULL. */
char *cursor_encode(const char *kind, const char *const *keys, size_t nkeys);

/* Decodes token, which must have been made for this kind with exactly nkeys keys.
 * keys[i] receive malloc'd strings (free each with free()) on IASC_OK;
 * IASC_INVALID_CURSOR otherwise (nothing to free). */
enum iasc_result cursor_decode(const char *token, const char *kind, char **keys, size_t nkeys);

#endif
