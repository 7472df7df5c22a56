/* etag.c: entity-tags and lists of them (see etag.h). */
#include "iasc/etag.h"

static bool is_etagc(unsigned char c) {
  return c == 0x21 || (c >= 0x23 && c <= 0x7E) || c >= 0x80;
}

static const char *skip_ows(const char *p) {
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

const char *etag_parse(const char *p, bool *weak, const char **opaque, size_t *olen) {
  *weak = false;
  if (p[0] == 'W' && p[1] == '/') {
    *weak = true;
    p += 2;
  }
  if (*p != '"')
    return NULL;
  const char *start = p++;
  while (is_etagc((unsigned char)*p))
    p++;
  if (*p != '"')
    return NULL;
  p++;
  *opaque = start;
  *olen = (size_t)(p - start);
  return p;
}

bool etag_is_star(const char *v) {
  v = skip_ows(v);
  if (*v != '*')
    return false;
  return *skip_ows(v + 1) == '\0';
}

bool etag_list_any(const char *value, etag_member_fn match, const void *ctx) {
  const char *p = value;
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    if (*p == '\0')
      return false;
    bool weak;
    const char *o;
    size_t n;
    const char *after = etag_parse(p, &weak, &o, &n);
    if (after != NULL) {
      after = skip_ows(after);
      if ((*after == ',' || *after == '\0') && match(weak, o, n, ctx))
        return true;
    }
    /* Next member: past the tag if it parsed, else past the next comma. */
    p = after != NULL ? after : p;
    while (*p != '\0' && *p != ',')
      p++;
  }
}
