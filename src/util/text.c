/* text.c: hex, UTF-8, control characters, dates and timestamps (see text.h). */
#include "iasc/text.h"

#include <string.h>

void text_hex(const void *in, size_t n, char *out) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = in;
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hex[p[i] >> 4];
    out[2 * i + 1] = hex[p[i] & 15];
  }
  out[2 * n] = '\0';
}

int32_t text_utf8_decode(const unsigned char *p, size_t avail, size_t *len) {
  unsigned char c = p[0];
  int32_t cp, min;
  size_t n;
  *len = 1;
  if (c < 0x80)
    return c;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
    min = 0x10000;
  } else {
    return -1;
  }
  if (n > avail)
    return -1;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return -1;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return -1;
  *len = n;
  return cp;
}

bool text_valid_utf8(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, len;
  while (i < n) {
    if (text_utf8_decode(p + i, n - i, &len) < 0)
      return false;
    i += len;
  }
  return true;
}

size_t text_utf8_boundary(const char *s, size_t n) {
  size_t lead = n;
  while (lead > 0 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
    lead--; /* s[lead - 1] is the first byte of the last character */
  if (lead == 0)
    return 0;
  unsigned char c = (unsigned char)s[lead - 1];
  size_t need = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
  return n - (lead - 1) >= need ? n : lead - 1;
}

size_t text_utf8_chars(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80)
      n++;
  return n;
}

bool text_has_control(const char *s, bool allow_newlines) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == 0x7f)
      return true;
    if (*p < 0x20 && !(allow_newlines && (*p == '\n' || *p == '\t' || *p == '\r')))
      return true;
  }
  return false;
}

bool text_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return n > 0;
}

int text_number(const char *s, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; i++)
    v = v * 10 + (s[i] - '0');
  return v;
}

static bool valid_ymd(int y, int m, int d) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1)
    return false;
  int max = days[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    max = 29;
  return d <= max;
}

bool text_valid_date(const char *s) {
  return strlen(s) == 10 && text_digits(s, 4) && s[4] == '-' && text_digits(s + 5, 2) &&
         s[7] == '-' && text_digits(s + 8, 2) &&
         valid_ymd(text_number(s, 4), text_number(s + 5, 2), text_number(s + 8, 2));
}

/* The part after the seconds: optional fraction, then Z or an offset. */
static bool valid_zone(const char *z) {
  if (*z == '.') {
    size_t f = 0;
    while (z[1 + f] >= '0' && z[1 + f] <= '9')
      f++;
    if (f == 0 || f > 6)
      return false;
    z += 1 + f;
  }
  if ((z[0] == 'Z' || z[0] == 'z') && z[1] == '\0')
    return true;
  return (z[0] == '+' || z[0] == '-') && text_digits(z + 1, 2) && z[3] == ':' &&
         text_digits(z + 4, 2) && z[6] == '\0' && text_number(z + 1, 2) <= 15 &&
         text_number(z + 4, 2) <= 59;
}

bool text_valid_timestamp(const char *s) {
  size_t n = strlen(s);
  if (n < 20 || n > 40)
    return false;
  char date[11];
  memcpy(date, s, 10);
  date[10] = '\0';
  if (!text_valid_date(date) || (s[10] != 'T' && s[10] != 't'))
    return false;
  const char *t = s + 11;
  if (!text_digits(t, 2) || t[2] != ':' || !text_digits(t + 3, 2) || t[5] != ':' ||
      !text_digits(t + 6, 2) || text_number(t, 2) > 23 || text_number(t + 3, 2) > 59 ||
      text_number(t + 6, 2) > 59)
    return false;
  return valid_zone(t + 8);
}
