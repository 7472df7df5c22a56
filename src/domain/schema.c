/* schema.c: the writable fields of every content type and their validation. */
#include "iasc/schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iasc/markdown.h"
#include "iasc/text.h"

#define TEXT_MAX       20000
#define BODY_MAX       200000
#define LINE_MAX_CHARS 300

static const char *const STATUSES[] = {"draft", "published", NULL};
static const char *const CONFIDENCES[] = {"confirmed", "uncertain", NULL};
static const char *const PUBLISHED_CONFIDENCES[] = {"confirmed", "inferred", NULL};
static const char *const URGENCIES[] = {"emergency", "non-emergency", "anonymous", "advice", NULL};
static const char *const HELPLINE_KINDS[] = {"phone", "email", NULL};
static const char *const PERIODS[] = {"week", "one_off", NULL};
static const char *const CURRENCIES[] = {"GBP", NULL};

#define STATUS_FIELD                                                                               \
  { "status", F_ENUM, false, false, 0, 0, STATUSES, "\"published\"" }
#define OPTIONAL(name, type)                                                                       \
  { name, type, false, true, 0, 0, NULL, NULL }
#define OPTIONAL_TEXT(name, max)                                                                   \
  { name, F_STRING, false, true, 0, max, NULL, NULL }
#define LIST(name, type)                                                                           \
  { name, type, false, false, 0, 0, NULL, "[]" }
#define END_FIELDS                                                                                 \
  { NULL, F_STRING, false, false, 0, 0, NULL, NULL }

static const struct field NEWS_FIELDS[] = {
    {"title", F_STRING, true, false, 0, LINE_MAX_CHARS, NULL, NULL},
    OPTIONAL("slug", F_SLUG),
    OPTIONAL_TEXT("summary", TEXT_MAX),
    OPTIONAL_TEXT("body_markdown", BODY_MAX),
    OPTIONAL("published_at", F_TIMESTAMP),
    OPTIONAL("published_approx", F_APPROX),
    {"published_at_confidence", F_ENUM, false, true, 0, 0, PUBLISHED_CONFIDENCES, NULL},
    LIST("tags", F_SLUGS),
    OPTIONAL("source_url", F_URL),
    LIST("related_urls", F_URLS),
    OPTIONAL_TEXT("source_note", TEXT_MAX),
    STATUS_FIELD,
    END_FIELDS,
};

static const struct field PUBLICATION_FIELDS[] = {
    {"title", F_STRING, true, false, 0, LINE_MAX_CHARS, NULL, NULL},
    OPTIONAL("slug", F_SLUG),
    {"type", F_WORD, true, false, 0, 0, NULL, NULL},
    OPTIONAL_TEXT("summary", TEXT_MAX),
    OPTIONAL_TEXT("body_markdown", BODY_MAX),
    LIST("authors", F_STRINGS),
    LIST("partners", F_STRINGS),
    {"identifiers", F_STRING_MAP, false, false, 0, 0, NULL, "{}"},
    OPTIONAL("published_at", F_TIMESTAMP),
    OPTIONAL("published_on", F_DATE),
    OPTIONAL("published_approx", F_APPROX),
    OPTIONAL("source_url", F_URL),
    OPTIONAL_TEXT("source_note", TEXT_MAX),
    LIST("tags", F_SLUGS),
    LIST("documents", F_DOCUMENTS),
    STATUS_FIELD,
    END_FIELDS,
};

static const struct field HELPLINE_FIELDS[] = {
    {"name", F_STRING, true, false, 0, LINE_MAX_CHARS, NULL, NULL},
    OPTIONAL("slug", F_SLUG),
    {"kind", F_ENUM, true, false, 0, 0, HELPLINE_KINDS, NULL},
    OPTIONAL_TEXT("phone", 40),
    LIST("phone_alternatives", F_STRINGS),
    OPTIONAL_TEXT("dial_digits", 20),
    OPTIONAL_TEXT("phone_e164", 16),
    OPTIONAL("email", F_EMAIL),
    {"urgency", F_ENUM, true, false, 0, 0, URGENCIES, NULL},
    OPTIONAL_TEXT("availability", LINE_MAX_CHARS),
    {"is_24_7", F_BOOL, false, false, 0, 0, NULL, "false"},
    LIST("jurisdictions", F_STRINGS),
    OPTIONAL_TEXT("operator", LINE_MAX_CHARS),
    OPTIONAL_TEXT("description", TEXT_MAX),
    OPTIONAL("link", F_URL),
    {"position", F_INT, true, false, 1, 10000, NULL, NULL},
    OPTIONAL("valid_from", F_DATE),
    OPTIONAL("valid_to", F_DATE),
    OPTIONAL("source_url", F_URL),
    LIST("additional_source_urls", F_URLS),
    OPTIONAL_TEXT("notes", TEXT_MAX),
    {"confidence", F_ENUM, false, false, 0, 0, CONFIDENCES, "\"confirmed\""},
    OPTIONAL("published_at", F_TIMESTAMP),
    STATUS_FIELD,
    END_FIELDS,
};

static const struct field SUPPORT_RATE_FIELDS[] = {
    OPTIONAL("id", F_SLUG),
    {"title", F_STRING, true, false, 0, LINE_MAX_CHARS, NULL, NULL},
    {"description", F_STRING, true, false, 0, TEXT_MAX, NULL, NULL},
    {"jurisdiction", F_STRING, true, false, 0, 100, NULL, NULL},
    OPTIONAL_TEXT("scheme", LINE_MAX_CHARS),
    {"category", F_WORD, true, false, 0, 0, NULL, NULL},
    {"amount_pence", F_INT, true, false, 0, 100000000, NULL, NULL},
    {"currency", F_ENUM, false, false, 0, 0, CURRENCIES, "\"GBP\""},
    {"period", F_ENUM, true, false, 0, 0, PERIODS, NULL},
    OPTIONAL("effective_from", F_DATE),
    OPTIONAL("effective_to", F_DATE),
    OPTIONAL("superseded_by", F_SLUG),
    LIST("attested_on", F_STRINGS),
    OPTIONAL("source_url", F_URL),
    LIST("additional_source_urls", F_URLS),
    OPTIONAL_TEXT("notes", TEXT_MAX),
    {"confidence", F_ENUM, false, false, 0, 0, CONFIDENCES, "\"confirmed\""},
    OPTIONAL("published_at", F_TIMESTAMP),
    STATUS_FIELD,
    END_FIELDS,
};

static const struct field RESOURCE_FIELDS[] = {
    {"title", F_STRING, true, false, 0, LINE_MAX_CHARS, NULL, NULL},
    OPTIONAL("slug", F_SLUG),
    {"type", F_WORD, true, false, 0, 0, NULL, NULL},
    OPTIONAL("collection", F_SLUG),
    OPTIONAL_TEXT("summary", TEXT_MAX),
    OPTIONAL_TEXT("organisation", LINE_MAX_CHARS),
    OPTIONAL_TEXT("role", TEXT_MAX),
    LIST("jurisdictions", F_STRINGS),
    OPTIONAL("link", F_URL),
    OPTIONAL("published_at", F_TIMESTAMP),
    OPTIONAL("published_approx", F_APPROX),
    OPTIONAL("source_url", F_URL),
    LIST("additional_source_urls", F_URLS),
    OPTIONAL_TEXT("source_note", TEXT_MAX),
    LIST("tags", F_SLUGS),
    STATUS_FIELD,
    END_FIELDS,
};

static const char *const RO_COMMON[] = {"id", "created_at", "updated_at", "url", NULL};
static const char *const RO_NEWS[] = {"id", "created_at", "updated_at", "url", "body_html", NULL};
static const char *const RO_PUBLICATION[] = {"id",  "created_at", "updated_at",
                                             "url", "body_html",  NULL};
static const char *const RO_HELPLINE[] = {"id", "created_at", "updated_at", "url", "title", NULL};
static const char *const RO_SUPPORT_RATE[] = {"slug", "created_at", "updated_at", "url", NULL};

const struct content_kind KIND_NEWS = {"news",      "news:write", "slug",        "title", true,
                                       NEWS_FIELDS, RO_NEWS,      STMT_NEWS_GET, NULL};
const struct content_kind KIND_PUBLICATIONS = {
    "publications", "publications:write",  "slug",        "title", true, PUBLICATION_FIELDS,
    RO_PUBLICATION, STMT_PUBLICATIONS_GET, "published_on"};
const struct content_kind KIND_HELPLINES = {
    "helplines", "helplines:write",  "slug", "name", false, HELPLINE_FIELDS,
    RO_HELPLINE, STMT_HELPLINES_GET, NULL};
const struct content_kind KIND_SUPPORT_RATES = {
    "support-rates", "support-rates:write",  "id", "title", false, SUPPORT_RATE_FIELDS,
    RO_SUPPORT_RATE, STMT_SUPPORT_RATES_GET, NULL};
const struct content_kind KIND_RESOURCES = {
    "resources", "resources:write",  "slug", "title", false, RESOURCE_FIELDS,
    RO_COMMON,   STMT_RESOURCES_GET, NULL};

static void add_error(json_t *errors, const char *field, const char *message) {
  json_array_append_new(errors, json_pack("{s:s, s:s}", "field", field, "message", message));
}

static bool is_slug(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 100 || s[0] == '-' || s[n - 1] == '-')
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
    if (c == '-' && s[i + 1] == '-')
      return false;
  }
  return true;
}

static bool is_word(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 60)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
      return false;
  return true;
}

static bool is_url(const char *s) {
  size_t n = strlen(s);
  size_t scheme = strncmp(s, "https://", 8) == 0 ? 8 : strncmp(s, "http://", 7) == 0 ? 7 : 0;
  if (scheme == 0 || n <= scheme || n > 2000 || s[scheme] == '/')
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\')
      return false;
  }
  return true;
}

static bool is_email(const char *s) {
  const char *at = strchr(s, '@');
  size_t n = strlen(s);
  return n <= 254 && at != NULL && at != s && strchr(at + 1, '@') == NULL &&
         strchr(at + 1, '.') != NULL && at[1] != '.' && s[n - 1] != '.' &&
         !text_has_control(s, false) && strchr(s, ' ') == NULL;
}

static bool is_approx(const char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i < n; i++)
    if (i != 4 && !isdigit((unsigned char)s[i]))
      return false;
  if (n == 4)
    return true;
  return n == 7 && s[4] == '-' && ((s[5] == '0' && s[6] >= '1') || (s[5] == '1' && s[6] <= '2'));
}

static bool in_values(const char *v, const char *const *values) {
  for (size_t i = 0; values && values[i]; i++)
    if (strcmp(values[i], v) == 0)
      return true;
  return false;
}

/* Checks one string value against a string-like field type; NULL when fine. */
static const char *check_string(const struct field *f, enum field_type type, const char *s) {
  size_t max = f->max > 0 ? (size_t)f->max : LINE_MAX_CHARS;
  switch (type) {
  case F_STRING:
  case F_STRINGS:
    if (*s == '\0')
      return "must not be empty";
    if (text_utf8_chars(s) > max)
      return "is too long";
    return text_has_control(s, max > LINE_MAX_CHARS) ? "must not contain control characters" : NULL;
  case F_SLUG:
  case F_SLUGS:
    return is_slug(s) ? NULL : "must be lower-case words joined by '-' (at most 100 characters)";
  case F_WORD:
    return is_word(s) ? NULL : "must be lower-case letters, digits and '_' (at most 60)";
  case F_URL:
  case F_URLS:
    return is_url(s) ? NULL : "must be an absolute http(s) URL";
  case F_EMAIL:
    return is_email(s) ? NULL : "must be an e-mail address";
  case F_DATE:
    return text_valid_date(s) ? NULL : "must be a date YYYY-MM-DD";
  case F_TIMESTAMP:
    return text_valid_timestamp(s) ? NULL
                                   : "must be an RFC 3339 date-time with offset, e.g. "
                                     "2024-01-31T09:00:00Z";
  case F_APPROX:
    return is_approx(s) ? NULL : "must be YYYY or YYYY-MM";
  case F_ENUM:
    return in_values(s, f->values) ? NULL : "is not one of the allowed values";
  default:
    return "has the wrong type";
  }
}

/* A string of 1..LINE_MAX_CHARS characters without control characters. */
static bool short_text(const json_t *v) {
  const char *s = json_string_value(v);
  return s != NULL && *s != '\0' && text_utf8_chars(s) <= LINE_MAX_CHARS &&
         !text_has_control(s, false);
}

static void check_documents(const json_t *v, json_t *errors) {
  static const char *const KEYS[] = {"url", "media_type", "size_bytes", "title", NULL};
  size_t i;
  json_t *d;
  if (json_array_size(v) > 50)
    add_error(errors, "documents", "at most 50 documents");
  json_array_foreach(v, i, d) {
    char name[48];
    snprintf(name, sizeof name, "documents[%zu]", i);
    if (!json_is_object(d)) {
      add_error(errors, name, "must be an object");
      continue;
    }
    const char *key;
    json_t *x;
    json_object_foreach((json_t *)d, key, x) {
      if (!in_values(key, KEYS))
        add_error(errors, name, "has an unknown field");
    }
    json_t *url = json_object_get(d, "url");
    if (!json_is_string(url) || !is_url(json_string_value(url)))
      add_error(errors, name, "url must be an absolute http(s) URL");
    json_t *mt = json_object_get(d, "media_type");
    if (mt && !json_is_null(mt) &&
        (!json_is_string(mt) || strchr(json_string_value(mt), '/') == NULL ||
         strlen(json_string_value(mt)) > 100 || text_has_control(json_string_value(mt), false)))
      add_error(errors, name, "media_type must be a media type such as application/pdf");
    json_t *sz = json_object_get(d, "size_bytes");
    if (sz && !json_is_null(sz) && (!json_is_integer(sz) || json_integer_value(sz) < 0))
      add_error(errors, name, "size_bytes must be a non-negative integer");
    json_t *t = json_object_get(d, "title");
    if (t && !json_is_null(t) && !short_text(t))
      add_error(errors, name, "title must be a short text");
  }
}

/* An array of strings, slugs or URLs: why it is not valid, or NULL. */
static const char *check_list(const struct field *f, const json_t *v) {
  if (!json_is_array(v))
    return "must be an array of strings";
  if (json_array_size(v) > 50)
    return "has more than 50 entries";
  size_t i;
  json_t *e;
  json_array_foreach(v, i, e) {
    const char *why = json_is_string(e) ? check_string(f, f->type, json_string_value(e))
                                        : "must be an array of strings";
    if (why != NULL)
      return why;
  }
  return NULL;
}

/* An object of short strings keyed by words: why it is not valid, or NULL. */
static const char *check_map(const json_t *v) {
  const char *key;
  json_t *e;
  if (!json_is_object(v))
    return "must be an object of strings";
  json_object_foreach((json_t *)v, key, e) {
    if (!short_text(e) || !is_word(key))
      return "must be an object of short strings keyed by lower-case words";
  }
  return NULL;
}

/* Validates value v of field f, appending problems to errors. */
static void check_field(const struct field *f, const json_t *v, json_t *errors) {
  if (json_is_null(v)) {
    if (!f->nullable)
      add_error(errors, f->name, f->required ? "is required" : "must not be null");
    return;
  }
  const char *why = NULL;
  switch (f->type) {
  case F_BOOL:
    why = json_is_boolean(v) ? NULL : "must be true or false";
    break;
  case F_INT:
    if (!json_is_integer(v))
      why = "must be an integer";
    else if (json_integer_value(v) < f->min || json_integer_value(v) > f->max)
      why = f->min == 0 ? "must be a non-negative integer in range" : "is out of range";
    break;
  case F_STRINGS:
  case F_SLUGS:
  case F_URLS:
    why = check_list(f, v);
    break;
  case F_STRING_MAP:
    why = check_map(v);
    break;
  case F_DOCUMENTS:
    if (!json_is_array(v))
      why = "must be an array of documents";
    else
      check_documents(v, errors);
    break;
  default:
    why = json_is_string(v) ? check_string(f, f->type, json_string_value(v)) : "must be a string";
  }
  if (why != NULL)
    add_error(errors, f->name, why);
}

/* Writes a slug made from text into out (size >= 101): lower-case ASCII letters and
 * digits, other runs become '-'. Returns false when nothing usable remains. */
static bool schema_slugify(const char *text, char *out, size_t size) {
  size_t o = 0;
  bool dash = false;
  for (const unsigned char *p = (const unsigned char *)text; *p && o + 2 < size && o < 80; p++) {
    if (isalnum(*p) && *p < 0x80) {
      if (dash && o > 0)
        out[o++] = '-';
      out[o++] = (char)tolower(*p);
      dash = false;
    } else if (*p < 0x80 || (*p & 0xC0) == 0xC0) {
      dash = true; /* an ASCII separator or the start of a non-ASCII character */
    }
  }
  out[o] = '\0';
  return o > 0;
}

static int compare_dates(const json_t *doc, const char *a, const char *b) {
  const char *x = json_string_value(json_object_get(doc, a));
  const char *y = json_string_value(json_object_get(doc, b));
  return x && y ? strcmp(x, y) : 0;
}

/* Rules that span fields. */
static void check_cross(const struct content_kind *k, const json_t *doc, json_t *errors) {
  if (compare_dates(doc, "effective_from", "effective_to") > 0)
    add_error(errors, "effective_to", "must not be before effective_from");
  if (compare_dates(doc, "valid_from", "valid_to") > 0)
    add_error(errors, "valid_to", "must not be before valid_from");
  if (k == &KIND_HELPLINES) {
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    if (kind && strcmp(kind, "phone") == 0 && !json_is_string(json_object_get(doc, "phone")))
      add_error(errors, "phone", "is required for a phone helpline");
    if (kind && strcmp(kind, "email") == 0 && !json_is_string(json_object_get(doc, "email")))
      add_error(errors, "email", "is required for an e-mail helpline");
    const char *e164 = json_string_value(json_object_get(doc, "phone_e164"));
    if (e164 != NULL) {
      size_t n = strlen(e164), i;
      for (i = 1; i < n && isdigit((unsigned char)e164[i]); i++)
        ;
      if (n < 8 || n > 16 || e164[0] != '+' || e164[1] == '0' || i != n)
        add_error(errors, "phone_e164", "must be an E.164 number such as +448000121700");
    }
    const char *digits = json_string_value(json_object_get(doc, "dial_digits"));
    for (const char *p = digits; p && *p; p++)
      if (!isdigit((unsigned char)*p)) {
        add_error(errors, "dial_digits", "must hold digits only");
        break;
      }
  }
}

/* Fields the body names that writes cannot set or the type does not have. */
static void check_names(const struct content_kind *k, const json_t *obj, json_t *errs) {
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)obj, key, v) {
    bool known = false;
    for (const struct field *f = k->fields; f->name; f++)
      known = known || strcmp(f->name, key) == 0;
    if (in_values(key, k->read_only))
      add_error(errs, key, "is read-only");
    else if (!known)
      add_error(errs, key, "is not a field of this type");
  }
}

/* Every field into doc: given ones checked, absent ones from their fallback. */
static void check_fields(const struct content_kind *k, const json_t *obj, json_t *doc,
                         json_t *errs) {
  for (const struct field *f = k->fields; f->name; f++) {
    json_t *given = json_object_get(obj, f->name);
    if (given == NULL && f->required) {
      add_error(errs, f->name, "is required");
    } else if (given == NULL) {
      json_object_set_new(
          doc, f->name, f->fallback ? json_loads(f->fallback, JSON_DECODE_ANY, NULL) : json_null());
    } else {
      check_field(f, given, errs);
      json_object_set(doc, f->name, given);
    }
  }
}

/* What a valid document gets before it is written: the key derived from the title when
 * absent, body_html rendered. False with errs filled. */
static bool complete(const struct content_kind *k, json_t *doc, json_t *errs) {
  if (json_is_null(json_object_get(doc, k->key_field))) {
    char slug[101];
    if (!schema_slugify(json_string_value(json_object_get(doc, k->title_field)), slug,
                        sizeof slug)) {
      add_error(errs, k->key_field, "cannot be derived from the title; give one");
      return false;
    }
    json_object_set_new(doc, k->key_field, json_string(slug));
  }
  if (!k->markdown)
    return true;
  const char *md = json_string_value(json_object_get(doc, "body_markdown"));
  char *html = md ? markdown_render(md) : NULL;
  if (md != NULL && html == NULL) {
    add_error(errs, "body_markdown", "could not be rendered");
    return false;
  }
  json_object_set_new(doc, "body_html", html ? json_string(html) : json_null());
  free(html);
  return true;
}

json_t *schema_validate(const struct content_kind *k, const json_t *obj, json_t **errors) {
  json_t *errs = json_array();
  json_t *doc = json_object();
  *errors = NULL;
  if (!json_is_object(obj)) {
    add_error(errs, "", "the body must be a JSON object");
    goto fail;
  }
  check_names(k, obj, errs);
  check_fields(k, obj, doc, errs);
  if (json_array_size(errs) == 0)
    check_cross(k, doc, errs);
  if (json_array_size(errs) > 0 || !complete(k, doc, errs))
    goto fail;
  json_decref(errs);
  return doc;
fail:
  json_decref(doc);
  *errors = errs;
  return NULL;
}

void schema_strip_read_only(const struct content_kind *k, json_t *obj) {
  for (size_t i = 0; k->read_only[i]; i++)
    json_object_del(obj, k->read_only[i]);
  if (k->markdown)
    json_object_del(obj, "body_html");
  if (k->date_field != NULL)
    json_object_del(obj, k->date_field);
}

void schema_patch_prepare(const struct content_kind *k, json_t *current, const json_t *patch) {
  if (k->date_field != NULL && json_object_get(patch, k->date_field) != NULL &&
      json_object_get(patch, "published_at") == NULL)
    json_object_del(current, "published_at");
}

json_t *schema_merge_patch(json_t *target, const json_t *patch) {
  if (!json_is_object(patch))
    return json_deep_copy(patch);
  json_t *out = json_is_object(target) ? json_incref(target) : json_object();
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)patch, key, v) {
    if (json_is_null(v)) {
      json_object_del(out, key);
    } else {
      json_t *merged = schema_merge_patch(json_object_get(out, key), v);
      json_object_set_new(out, key, merged);
    }
  }
  return out;
}
