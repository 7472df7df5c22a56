/* test_schema.c: the writable fields of every content type and their validation
 * (src/domain/schema.c). The .c is included to reach its static checks (is_slug, is_url...). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../../src/domain/schema.c"

static const struct content_kind *const ALL_KINDS[] = {
    &KIND_NEWS, &KIND_PUBLICATIONS, &KIND_HELPLINES, &KIND_SUPPORT_RATES, &KIND_RESOURCES};
#define NKINDS (sizeof ALL_KINDS / sizeof ALL_KINDS[0])

static char fields_buf[2048];
static char message_buf[512];

/* A JSON string of unit repeated n times. */
static json_t *repeat(const char *unit, size_t n) {
  size_t len = strlen(unit);
  char *s = malloc(len * n + 1);
  for (size_t i = 0; i < n; i++)
    memcpy(s + i * len, unit, len);
  s[len * n] = '\0';
  json_t *j = json_string(s);
  free(s);
  return j;
}

/* The smallest document each kind accepts: its required fields (and a phone number, which a
 * phone helpline needs). */
static json_t *minimal(const struct content_kind *k) {
  if (k == &KIND_NEWS)
    return json_pack("{s:s}", "title", "Modern slavery report published");
  if (k == &KIND_PUBLICATIONS)
    return json_pack("{s:s, s:s}", "title", "Annual report 2023", "type", "report");
  if (k == &KIND_HELPLINES)
    return json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", "Modern Slavery Helpline", "kind",
                     "phone", "phone", "08000 121 700", "urgency", "advice", "position", 1);
  if (k == &KIND_SUPPORT_RATES)
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "title", "Subsistence", "description",
                     "Weekly subsistence for adults in safe house accommodation.", "jurisdiction",
                     "England and Wales", "category", "subsistence", "amount_pence", 6510, "period",
                     "week");
  return json_pack("{s:s, s:s}", "title", "Victim care guide", "type", "guide");
}

/* Checks the shape of an errors array: non-empty, each entry {field: string, message:
 * non-empty string} and nothing else. Writes the fields, comma-separated, into fields_buf and
 * the first message into message_buf. */
static const char *describe_errors(const json_t *errors) {
  assert_true(json_is_array(errors));
  assert_true(json_array_size(errors) > 0);
  size_t i, o = 0;
  json_t *e;
  fields_buf[0] = '\0';
  json_array_foreach(errors, i, e) {
    assert_true(json_is_object(e));
    assert_int_equal(json_object_size(e), 2);
    assert_true(json_is_string(json_object_get(e, "field")));
    assert_true(json_is_string(json_object_get(e, "message")));
    assert_true(json_string_length(json_object_get(e, "message")) > 0);
    o += (size_t)snprintf(fields_buf + o, sizeof fields_buf - o, "%s%s", i ? "," : "",
                          json_string_value(json_object_get(e, "field")));
    assert_true(o < sizeof fields_buf);
  }
  snprintf(message_buf, sizeof message_buf, "%s",
           json_string_value(json_object_get(json_array_get(errors, 0), "message")));
  return fields_buf;
}

/* Validates doc (reference stolen) as k. Returns "ok", or the fields of the errors
 * comma-separated (the first message is left in message_buf). */
static const char *validate(const struct content_kind *k, json_t *doc) {
  json_t *errors = (json_t *)1;
  json_t *out = schema_validate(k, doc, &errors);
  json_decref(doc);
  if (out != NULL) {
    assert_null(errors);
    assert_true(json_is_object(out));
    json_decref(out);
    message_buf[0] = '\0';
    return "ok";
  }
  const char *fields = describe_errors(errors);
  json_decref(errors);
  return fields;
}

/* Validates doc (reference stolen) as k, which must succeed: returns the new document. */
static json_t *accepted(const struct content_kind *k, json_t *doc) {
  json_t *errors = (json_t *)1;
  json_t *out = schema_validate(k, doc, &errors);
  if (out == NULL) {
    fprintf(stderr, "refused: %s (%s)\n", describe_errors(errors), message_buf);
    json_decref(errors);
  }
  json_decref(doc);
  assert_non_null(out);
  assert_null(errors);
  return out;
}

/* The minimal document of k with field name set to value (stolen; NULL: removed), validated. */
static const char *with(const struct content_kind *k, const char *name, json_t *value) {
  json_t *doc = minimal(k);
  if (value == NULL)
    json_object_del(doc, name);
  else
    json_object_set_new(doc, name, value);
  return validate(k, doc);
}

/* Same, with a JSON text for the value. */
static const char *with_json(const struct content_kind *k, const char *name, const char *text) {
  json_error_t err;
  json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
  if (v == NULL)
    fail_msg("bad JSON in the test: %s: %s", text, err.text);
  return with(k, name, v);
}

/* The minimal document of k with two fields set (both values stolen), validated. */
static const char *with2(const struct content_kind *k, const char *a, json_t *va, const char *b,
                         json_t *vb) {
  json_t *doc = minimal(k);
  json_object_set_new(doc, a, va);
  json_object_set_new(doc, b, vb);
  return validate(k, doc);
}

static void every_kind_accepts_its_minimal_document(void **state) {
  (void)state;
  for (size_t i = 0; i < NKINDS; i++) {
    const struct content_kind *k = ALL_KINDS[i];
    json_t *out = accepted(k, minimal(k));
    /* Every field of the table is present, and nothing but them (and body_html). */
    size_t n = 0;
    for (const struct field *f = k->fields; f->name; f++, n++)
      assert_non_null(json_object_get(out, f->name));
    assert_int_equal(json_object_size(out), n + (k->markdown ? 1 : 0));
    assert_true(json_is_string(json_object_get(out, k->key_field)));
    json_decref(out);
  }
}

static void the_kinds_are_named_and_scoped(void **state) {
  (void)state;
  assert_string_equal(KIND_NEWS.name, "news");
  assert_string_equal(KIND_NEWS.scope, "news:write");
  assert_string_equal(KIND_PUBLICATIONS.scope, "publications:write");
  assert_string_equal(KIND_HELPLINES.scope, "helplines:write");
  assert_string_equal(KIND_HELPLINES.title_field, "name");
  assert_string_equal(KIND_SUPPORT_RATES.name, "support-rates");
  assert_string_equal(KIND_SUPPORT_RATES.key_field, "id");
  assert_string_equal(KIND_RESOURCES.scope, "resources:write");
  assert_true(KIND_NEWS.markdown);
  assert_true(KIND_PUBLICATIONS.markdown);
  assert_false(KIND_HELPLINES.markdown);
  assert_false(KIND_SUPPORT_RATES.markdown);
  assert_false(KIND_RESOURCES.markdown);
}

static void a_body_that_is_not_an_object_is_refused(void **state) {
  (void)state;
  assert_string_equal(validate(&KIND_NEWS, json_array()), "");
  assert_string_equal(message_buf, "the body must be a JSON object");
  assert_string_equal(validate(&KIND_NEWS, json_string("title")), "");
  assert_string_equal(validate(&KIND_NEWS, json_null()), "");
}

static void absent_fields_take_their_fallback(void **state) {
  (void)state;
  json_t *news = accepted(&KIND_NEWS, minimal(&KIND_NEWS));
  assert_string_equal(json_string_value(json_object_get(news, "status")), "published");
  assert_true(json_is_array(json_object_get(news, "tags")));
  assert_int_equal(json_array_size(json_object_get(news, "tags")), 0);
  assert_int_equal(json_array_size(json_object_get(news, "related_urls")), 0);
  assert_true(json_is_null(json_object_get(news, "summary")));
  assert_true(json_is_null(json_object_get(news, "published_at")));
  assert_true(json_is_null(json_object_get(news, "published_at_confidence")));
  assert_true(json_is_null(json_object_get(news, "source_url")));
  json_decref(news);

  json_t *pub = accepted(&KIND_PUBLICATIONS, minimal(&KIND_PUBLICATIONS));
  assert_true(json_is_object(json_object_get(pub, "identifiers")));
  assert_int_equal(json_object_size(json_object_get(pub, "identifiers")), 0);
  assert_int_equal(json_array_size(json_object_get(pub, "documents")), 0);
  assert_int_equal(json_array_size(json_object_get(pub, "authors")), 0);
  assert_int_equal(json_array_size(json_object_get(pub, "partners")), 0);
  json_decref(pub);

  json_t *line = accepted(&KIND_HELPLINES, minimal(&KIND_HELPLINES));
  assert_true(json_is_false(json_object_get(line, "is_24_7")));
  assert_string_equal(json_string_value(json_object_get(line, "confidence")), "confirmed");
  assert_true(json_is_null(json_object_get(line, "email")));
  assert_int_equal(json_array_size(json_object_get(line, "phone_alternatives")), 0);
  json_decref(line);

  json_t *rate = accepted(&KIND_SUPPORT_RATES, minimal(&KIND_SUPPORT_RATES));
  assert_string_equal(json_string_value(json_object_get(rate, "currency")), "GBP");
  assert_string_equal(json_string_value(json_object_get(rate, "confidence")), "confirmed");
  assert_int_equal(json_array_size(json_object_get(rate, "attested_on")), 0);
  assert_true(json_is_null(json_object_get(rate, "superseded_by")));
  json_decref(rate);
}

static void given_values_are_kept(void **state) {
  (void)state;
  json_t *doc = minimal(&KIND_HELPLINES);
  json_object_set_new(doc, "is_24_7", json_true());
  json_object_set_new(doc, "confidence", json_string("uncertain"));
  json_object_set_new(doc, "status", json_string("draft"));
  json_object_set_new(doc, "jurisdictions", json_pack("[s, s]", "England", "Wales"));
  json_t *out = accepted(&KIND_HELPLINES, doc);
  assert_true(json_is_true(json_object_get(out, "is_24_7")));
  assert_string_equal(json_string_value(json_object_get(out, "confidence")), "uncertain");
  assert_string_equal(json_string_value(json_object_get(out, "status")), "draft");
  assert_string_equal(json_string_value(json_array_get(json_object_get(out, "jurisdictions"), 1)),
                      "Wales");
  assert_int_equal(json_integer_value(json_object_get(out, "position")), 1);
  assert_string_equal(json_string_value(json_object_get(out, "phone")), "08000 121 700");
  json_decref(out);
}

static void required_fields_are_each_listed_when_absent(void **state) {
  (void)state;
  assert_string_equal(validate(&KIND_NEWS, json_object()), "title");
  assert_string_equal(message_buf, "is required");
  assert_string_equal(validate(&KIND_PUBLICATIONS, json_object()), "title,type");
  assert_string_equal(validate(&KIND_HELPLINES, json_object()), "name,kind,urgency,position");
  assert_string_equal(validate(&KIND_SUPPORT_RATES, json_object()),
                      "title,description,jurisdiction,category,amount_pence,period");
  assert_string_equal(validate(&KIND_RESOURCES, json_object()), "title,type");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "amount_pence", NULL), "amount_pence");
}

static void null_is_required_for_required_and_refused_for_lists(void **state) {
  (void)state;
  assert_string_equal(with(&KIND_NEWS, "title", json_null()), "title");
  assert_string_equal(message_buf, "is required");
  assert_string_equal(with(&KIND_HELPLINES, "position", json_null()), "position");
  assert_string_equal(message_buf, "is required");
  /* Optional but not nullable: lists, status, booleans with a fallback. */
  assert_string_equal(with(&KIND_NEWS, "tags", json_null()), "tags");
  assert_string_equal(message_buf, "must not be null");
  assert_string_equal(with(&KIND_NEWS, "status", json_null()), "status");
  assert_string_equal(with(&KIND_HELPLINES, "is_24_7", json_null()), "is_24_7");
  assert_string_equal(with(&KIND_PUBLICATIONS, "identifiers", json_null()), "identifiers");
  assert_string_equal(with(&KIND_PUBLICATIONS, "documents", json_null()), "documents");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "currency", json_null()), "currency");
}

static void nullable_fields_accept_null(void **state) {
  (void)state;
  const char *nullable[] = {"slug",         "summary",          "body_markdown",
                            "published_at", "published_approx", "published_at_confidence",
                            "source_url",   "source_note"};
  for (size_t i = 0; i < sizeof nullable / sizeof nullable[0]; i++)
    assert_string_equal(with(&KIND_NEWS, nullable[i], json_null()), "ok");
  assert_string_equal(with(&KIND_HELPLINES, "email", json_null()), "ok");
  assert_string_equal(with(&KIND_HELPLINES, "valid_to", json_null()), "ok");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "superseded_by", json_null()), "ok");
  assert_string_equal(with(&KIND_RESOURCES, "collection", json_null()), "ok");
}

static void unknown_fields_are_refused(void **state) {
  (void)state;
  for (size_t i = 0; i < NKINDS; i++) {
    assert_string_equal(with(ALL_KINDS[i], "colour", json_string("red")), "colour");
    assert_string_equal(message_buf, "is not a field of this type");
  }
  /* A field of another kind is unknown here. */
  assert_string_equal(with(&KIND_NEWS, "position", json_integer(1)), "position");
  assert_string_equal(with(&KIND_RESOURCES, "body_markdown", json_string("x")), "body_markdown");
  /* Even null: the key itself is unknown. */
  assert_string_equal(with(&KIND_NEWS, "Title", json_null()), "Title");
}

static void read_only_fields_are_refused(void **state) {
  (void)state;
  const char *common[] = {"created_at", "updated_at", "url"};
  for (size_t i = 0; i < NKINDS; i++)
    for (size_t j = 0; j < sizeof common / sizeof common[0]; j++) {
      assert_string_equal(with(ALL_KINDS[i], common[j], json_string("2024-01-01T00:00:00Z")),
                          common[j]);
      assert_string_equal(message_buf, "is read-only");
    }
  assert_string_equal(with(&KIND_NEWS, "id", json_string("x")), "id");
  assert_string_equal(message_buf, "is read-only");
  assert_string_equal(with(&KIND_NEWS, "body_html", json_string("<p>x</p>")), "body_html");
  assert_string_equal(message_buf, "is read-only");
  assert_string_equal(with(&KIND_PUBLICATIONS, "body_html", json_null()), "body_html");
  assert_string_equal(with(&KIND_HELPLINES, "title", json_string("x")), "title");
  assert_string_equal(message_buf, "is read-only");
  assert_string_equal(with(&KIND_HELPLINES, "id", json_string("x")), "id");
  assert_string_equal(with(&KIND_RESOURCES, "id", json_string("x")), "id");
  /* Support rates are keyed by id, which is writable; their slug is not. */
  assert_string_equal(with(&KIND_SUPPORT_RATES, "slug", json_string("x")), "slug");
  assert_string_equal(message_buf, "is read-only");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "id", json_string("weekly-subsistence")), "ok");
}

static void every_error_is_listed(void **state) {
  (void)state;
  json_t *doc =
      json_pack("{s:i, s:s, s:s, s:s, s:[s], s:b}", "title", 7, "slug", "Not A Slug", "status",
                "archived", "source_url", "ftp://example.org", "tags", "Bad", "colour", 1);
  json_object_set_new(doc, "created_at", json_string("2024-01-01T00:00:00Z"));
  /* Unknown and read-only keys first (in the body's order: jansson keeps insertion order),
   * then the bad fields in the table's order. */
  assert_string_equal(validate(&KIND_NEWS, doc),
                      "colour,created_at,title,slug,tags,source_url,status");

  json_t *errors = NULL;
  json_t *bad = json_pack("{s:s, s:s, s:s, s:i}", "name", "", "kind", "fax", "urgency", "soon",
                          "position", 0);
  assert_null(schema_validate(&KIND_HELPLINES, bad, &errors));
  json_decref(bad);
  assert_int_equal(json_array_size(errors), 4);
  assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 0), "field")),
                      "name");
  assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 0), "message")),
                      "must not be empty");
  assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 1), "message")),
                      "is not one of the allowed values");
  assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 2), "field")),
                      "urgency");
  assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 3), "message")),
                      "is out of range");
  json_decref(errors);
}

static void wrong_json_types_are_refused(void **state) {
  (void)state;
  assert_string_equal(with(&KIND_NEWS, "title", json_integer(1)), "title");
  assert_string_equal(message_buf, "must be a string");
  assert_string_equal(with_json(&KIND_NEWS, "slug", "[\"a\"]"), "slug");
  assert_string_equal(message_buf, "must be a string");
  assert_string_equal(with(&KIND_NEWS, "source_url", json_true()), "source_url");
  assert_string_equal(with(&KIND_NEWS, "status", json_integer(1)), "status");
  assert_string_equal(with_json(&KIND_NEWS, "published_at", "{}"), "published_at");
  assert_string_equal(with(&KIND_HELPLINES, "email", json_real(1.5)), "email");
  assert_string_equal(with(&KIND_HELPLINES, "valid_from", json_integer(20240101)), "valid_from");
}

static void strings_are_counted_in_characters(void **state) {
  (void)state;
  assert_string_equal(with(&KIND_NEWS, "title", repeat("a", 300)), "ok");
  assert_string_equal(with(&KIND_NEWS, "title", repeat("a", 301)), "title");
  assert_string_equal(message_buf, "is too long");
  /* 150 times "a£" is 450 bytes but 300 characters. */
  assert_string_equal(with(&KIND_NEWS, "title", repeat("a\xC2\xA3", 150)), "ok");
  assert_string_equal(with(&KIND_NEWS, "title", repeat("\xE2\x82\xAC", 301)), "title");
  assert_string_equal(with(&KIND_NEWS, "title", json_string("")), "title");
  assert_string_equal(message_buf, "must not be empty");
  assert_string_equal(with(&KIND_NEWS, "summary", json_string("")), "summary");
  assert_string_equal(with(&KIND_NEWS, "summary", repeat("a", 20000)), "ok");
  assert_string_equal(with(&KIND_NEWS, "summary", repeat("a", 20001)), "summary");
  assert_string_equal(with(&KIND_NEWS, "body_markdown", repeat("a", 200000)), "ok");
  assert_string_equal(with(&KIND_NEWS, "body_markdown", repeat("a", 200001)), "body_markdown");
  /* Fields with their own maximum. */
  assert_string_equal(with(&KIND_HELPLINES, "phone", repeat("1", 40)), "ok");
  assert_string_equal(with(&KIND_HELPLINES, "phone", repeat("1", 41)), "phone");
  assert_string_equal(with(&KIND_HELPLINES, "dial_digits", repeat("1", 20)), "ok");
  assert_string_equal(with(&KIND_HELPLINES, "dial_digits", repeat("1", 21)), "dial_digits");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "jurisdiction", repeat("j", 100)), "ok");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "jurisdiction", repeat("j", 101)), "jurisdiction");
  assert_string_equal(with(&KIND_RESOURCES, "organisation", repeat("o", 301)), "organisation");
}

static void control_characters_are_refused_and_newlines_only_in_long_text(void **state) {
  (void)state;
  /* Short text (at most 300 characters): no control characters, not even a newline. */
  assert_string_equal(with(&KIND_NEWS, "title", json_string("two\nlines")), "title");
  assert_string_equal(message_buf, "must not contain control characters");
  assert_string_equal(with(&KIND_NEWS, "title", json_string("tab\there")), "title");
  assert_string_equal(with(&KIND_NEWS, "title", json_string("bell\a")), "title");
  assert_string_equal(with(&KIND_NEWS, "title", json_string("del\x7f")), "title");
  assert_string_equal(with(&KIND_HELPLINES, "phone", json_string("0800\r\n")), "phone");
  assert_string_equal(with(&KIND_HELPLINES, "availability", json_string("a\nb")), "availability");
  /* Long text: tab, CR and LF are allowed, other controls are not. */
  assert_string_equal(with(&KIND_NEWS, "summary", json_string("one\ntwo\r\n\tthree")), "ok");
  assert_string_equal(with(&KIND_NEWS, "body_markdown", json_string("# a\n\nb\n")), "ok");
  assert_string_equal(with(&KIND_NEWS, "summary", json_string("esc\x1b[0m")), "summary");
  assert_string_equal(with(&KIND_NEWS, "source_note", json_string("del\x7f")), "source_note");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "description", json_string("a\nb")), "ok");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "description", json_string("a\bb")), "description");
}

static void slugs_are_lower_case_words_joined_by_dashes(void **state) {
  (void)state;
  const char *good[] = {"a", "a-b", "modern-slavery-act-2015", "2024", "x1-2y"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_true(is_slug(good[i]));
  const char *bad[] = {"",    "-a",  "a-",  "a--b", "A",          "Modern-slavery",
                       "a_b", "a b", "a.b", "a/b",  "caf\xC3\xA9"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_false(is_slug(bad[i]));
  char s[102];
  memset(s, 'a', 101);
  s[100] = '\0';
  assert_true(is_slug(s));
  s[100] = 'a';
  s[101] = '\0';
  assert_false(is_slug(s));

  assert_string_equal(with(&KIND_NEWS, "slug", json_string("modern-slavery")), "ok");
  assert_string_equal(with(&KIND_NEWS, "slug", json_string("Modern Slavery")), "slug");
  assert_string_equal(message_buf,
                      "must be lower-case words joined by '-' (at most 100 characters)");
  assert_string_equal(with(&KIND_NEWS, "slug", repeat("a", 101)), "slug");
  assert_string_equal(with(&KIND_NEWS, "slug", json_string("")), "slug");
  assert_string_equal(with(&KIND_RESOURCES, "collection", json_string("a--b")), "collection");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "id", json_string("-x")), "id");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "superseded_by", json_string("x_y")),
                      "superseded_by");
}

static void words_are_lower_case_letters_digits_and_underscores(void **state) {
  (void)state;
  const char *good[] = {"report", "white_paper", "a1", "_", "2024"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_true(is_word(good[i]));
  const char *bad[] = {"", "Report", "white-paper", "white paper", "r\xC3\xA9sum\xC3\xA9"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_false(is_word(bad[i]));

  assert_string_equal(with(&KIND_PUBLICATIONS, "type", repeat("w", 60)), "ok");
  assert_string_equal(with(&KIND_PUBLICATIONS, "type", repeat("w", 61)), "type");
  assert_string_equal(message_buf, "must be lower-case letters, digits and '_' (at most 60)");
  assert_string_equal(with(&KIND_PUBLICATIONS, "type", json_string("Report")), "type");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "category", json_string("legal-aid")), "category");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "category", json_string("legal_aid")), "ok");
  assert_string_equal(with(&KIND_RESOURCES, "type", json_string("")), "type");
}

static void urls_are_absolute_http_or_https(void **state) {
  (void)state;
  const char *good[] = {"https://example.org", "http://x", "https://example.org/a?b=c#d",
                        "https://example.org/%20", "http://[::1]:8080/"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_true(is_url(good[i]));
  const char *bad[] = {"",
                       "example.org",
                       "ftp://example.org",
                       "https://",
                       "http://",
                       "https:///path",
                       "HTTPS://example.org",
                       "javascript:alert(1)",
                       "//example.org",
                       "https://exa mple.org",
                       "https://example.org/\"",
                       "https://example.org/<script>",
                       "https://example.org/>",
                       "https://example.org\\a",
                       "https://example.org/\x7f",
                       "https://example.org/\t"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_false(is_url(bad[i]));

  json_t *url2000 = repeat("a", 2000 - 8);
  json_t *url2001 = repeat("a", 2001 - 8);
  char *s = malloc(2002);
  snprintf(s, 2002, "https://%s", json_string_value(url2000));
  assert_true(is_url(s));
  assert_string_equal(with(&KIND_NEWS, "source_url", json_string(s)), "ok");
  snprintf(s, 2002, "https://%s", json_string_value(url2001));
  assert_false(is_url(s));
  assert_string_equal(with(&KIND_NEWS, "source_url", json_string(s)), "source_url");
  free(s);
  json_decref(url2000);
  json_decref(url2001);

  assert_string_equal(with(&KIND_NEWS, "source_url", json_string("https://example.org/a")), "ok");
  assert_string_equal(with(&KIND_NEWS, "source_url", json_string("www.example.org")), "source_url");
  assert_string_equal(message_buf, "must be an absolute http(s) URL");
  assert_string_equal(with(&KIND_HELPLINES, "link", json_string("mailto:a@b.org")), "link");
  assert_string_equal(with(&KIND_RESOURCES, "link", json_string("https://gov.uk/x")), "ok");
}

static void emails_need_one_at_and_a_dotted_domain(void **state) {
  (void)state;
  const char *good[] = {"help@example.org", "a.b+c@mail.example.co.uk", "x@y.z"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_true(is_email(good[i]));
  const char *bad[] = {"",
                       "help",
                       "@example.org",
                       "a@b@example.org",
                       "a@example",
                       "a@.example.org",
                       "a b@example.org",
                       "a@example.org ",
                       "a@example.org\n",
                       "a\t@example.org",
                       "a@example.org."};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_false(is_email(bad[i]));
  char s[300];
  memset(s, 'a', sizeof s);
  memcpy(s + 254 - 12, "@example.org", 13); /* 254 characters */
  assert_true(is_email(s));
  memset(s, 'a', sizeof s);
  memcpy(s + 255 - 12, "@example.org", 13); /* 255 */
  assert_false(is_email(s));

  json_t *doc = minimal(&KIND_HELPLINES);
  json_object_set_new(doc, "kind", json_string("email"));
  json_object_set_new(doc, "email", json_string("help@example.org"));
  assert_string_equal(validate(&KIND_HELPLINES, doc), "ok");
  assert_string_equal(with(&KIND_HELPLINES, "email", json_string("help at example.org")), "email");
  assert_string_equal(message_buf, "must be an e-mail address");
}

static void dates_must_be_real_days(void **state) {
  (void)state;
  assert_string_equal(with(&KIND_HELPLINES, "valid_from", json_string("2024-02-29")), "ok");
  assert_string_equal(with(&KIND_HELPLINES, "valid_from", json_string("2023-02-29")), "valid_from");
  assert_string_equal(message_buf, "must be a date YYYY-MM-DD");
  assert_string_equal(with(&KIND_HELPLINES, "valid_to", json_string("2024-1-1")), "valid_to");
  assert_string_equal(with(&KIND_HELPLINES, "valid_to", json_string("2024-01-01T00:00:00Z")),
                      "valid_to");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "effective_from", json_string("2024-04-01")), "ok");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "effective_to", json_string("01/04/2024")),
                      "effective_to");
}

static void timestamps_need_an_offset(void **state) {
  (void)state;
  const char *good[] = {"2024-01-31T09:00:00Z", "2024-01-31T09:00:00+01:00",
                        "2024-01-31T09:00:00.123456-05:30"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_string_equal(with(&KIND_NEWS, "published_at", json_string(good[i])), "ok");
  const char *bad[] = {"2024-01-31", "2024-01-31T09:00:00", "2024-01-31 09:00:00Z",
                       "2024-02-30T09:00:00Z", "yesterday"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_string_equal(with(&KIND_NEWS, "published_at", json_string(bad[i])), "published_at");
  assert_string_equal(message_buf,
                      "must be an RFC 3339 date-time with offset, e.g. 2024-01-31T09:00:00Z");
  assert_string_equal(with(&KIND_HELPLINES, "published_at", json_string("2024-01-31")),
                      "published_at");
}

static void approximate_dates_are_a_year_or_a_month(void **state) {
  (void)state;
  const char *good[] = {"2024", "2024-01", "2024-09", "2024-10", "2024-12", "0001"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_true(is_approx(good[i]));
  const char *bad[] = {"",           "24",      "202",      "20245",   "2024-",   "2024-1",
                       "2024-00",    "2024-13", "2024-20",  "2024/01", "2024-1a", "abcd",
                       "2024-01-01", "-2024",   "2024-0-1", "2024--01"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_false(is_approx(bad[i]));
  assert_string_equal(with(&KIND_NEWS, "published_approx", json_string("2019-06")), "ok");
  assert_string_equal(with(&KIND_NEWS, "published_approx", json_string("June 2019")),
                      "published_approx");
  assert_string_equal(message_buf, "must be YYYY or YYYY-MM");
  assert_string_equal(with(&KIND_RESOURCES, "published_approx", json_string("2019")), "ok");
  assert_string_equal(with(&KIND_PUBLICATIONS, "published_approx", json_string("2019-13")),
                      "published_approx");
}

static void enums_take_only_their_values(void **state) {
  (void)state;
  assert_string_equal(with(&KIND_NEWS, "status", json_string("draft")), "ok");
  assert_string_equal(with(&KIND_NEWS, "status", json_string("published")), "ok");
  assert_string_equal(with(&KIND_NEWS, "status", json_string("Draft")), "status");
  assert_string_equal(message_buf, "is not one of the allowed values");
  assert_string_equal(with(&KIND_NEWS, "status", json_string("archived")), "status");
  assert_string_equal(with(&KIND_NEWS, "status", json_string("")), "status");
  /* News dates are confirmed or inferred; helplines and rates are confirmed or uncertain. */
  assert_string_equal(with(&KIND_NEWS, "published_at_confidence", json_string("inferred")), "ok");
  assert_string_equal(with(&KIND_NEWS, "published_at_confidence", json_string("uncertain")),
                      "published_at_confidence");
  assert_string_equal(with(&KIND_HELPLINES, "confidence", json_string("uncertain")), "ok");
  assert_string_equal(with(&KIND_HELPLINES, "confidence", json_string("inferred")), "confidence");
  const char *urgencies[] = {"emergency", "non-emergency", "anonymous", "advice"};
  for (size_t i = 0; i < sizeof urgencies / sizeof urgencies[0]; i++)
    assert_string_equal(with(&KIND_HELPLINES, "urgency", json_string(urgencies[i])), "ok");
  assert_string_equal(with(&KIND_HELPLINES, "urgency", json_string("urgent")), "urgency");
  assert_string_equal(with(&KIND_HELPLINES, "kind", json_string("fax")), "kind");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "period", json_string("one_off")), "ok");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "period", json_string("month")), "period");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "currency", json_string("GBP")), "ok");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "currency", json_string("EUR")), "currency");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "currency", json_string("gbp")), "currency");
}

static void booleans_are_true_or_false(void **state) {
  (void)state;
  assert_string_equal(with(&KIND_HELPLINES, "is_24_7", json_true()), "ok");
  assert_string_equal(with(&KIND_HELPLINES, "is_24_7", json_false()), "ok");
  assert_string_equal(with(&KIND_HELPLINES, "is_24_7", json_string("true")), "is_24_7");
  assert_string_equal(message_buf, "must be true or false");
  assert_string_equal(with(&KIND_HELPLINES, "is_24_7", json_integer(1)), "is_24_7");
}

static void integers_are_bounded(void **state) {
  (void)state;
  assert_string_equal(with(&KIND_HELPLINES, "position", json_integer(1)), "ok");
  assert_string_equal(with(&KIND_HELPLINES, "position", json_integer(10000)), "ok");
  assert_string_equal(with(&KIND_HELPLINES, "position", json_integer(0)), "position");
  assert_string_equal(message_buf, "is out of range");
  assert_string_equal(with(&KIND_HELPLINES, "position", json_integer(10001)), "position");
  assert_string_equal(with(&KIND_HELPLINES, "position", json_integer(-1)), "position");
  assert_string_equal(with(&KIND_HELPLINES, "position", json_real(1.0)), "position");
  assert_string_equal(message_buf, "must be an integer");
  assert_string_equal(with(&KIND_HELPLINES, "position", json_string("1")), "position");
  assert_string_equal(with(&KIND_HELPLINES, "position", json_true()), "position");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "amount_pence", json_integer(0)), "ok");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "amount_pence", json_integer(100000000)), "ok");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "amount_pence", json_integer(-1)), "amount_pence");
  assert_string_equal(message_buf, "must be a non-negative integer in range");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "amount_pence", json_integer(100000001)),
                      "amount_pence");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "amount_pence", json_integer(INT64_MIN)),
                      "amount_pence");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "amount_pence", json_real(65.1)), "amount_pence");
}

static void string_arrays_check_every_entry(void **state) {
  (void)state;
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "authors", "[\"A. Author\", \"B\"]"), "ok");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "authors", "[]"), "ok");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "authors", "\"A. Author\""), "authors");
  assert_string_equal(message_buf, "must be an array of strings");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "authors", "[\"A\", 1]"), "authors");
  assert_string_equal(message_buf, "must be an array of strings");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "authors", "[\"A\", null]"), "authors");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "partners", "[\"\"]"), "partners");
  assert_string_equal(message_buf, "must not be empty");
  assert_string_equal(with_json(&KIND_HELPLINES, "jurisdictions", "[\"a\\nb\"]"), "jurisdictions");
  assert_string_equal(message_buf, "must not contain control characters");
  json_t *long_entry = json_array();
  json_array_append_new(long_entry, repeat("x", 301));
  assert_string_equal(with(&KIND_SUPPORT_RATES, "attested_on", long_entry), "attested_on");
  assert_string_equal(message_buf, "is too long");

  json_t *fifty = json_array(), *fifty_one = json_array();
  for (int i = 0; i < 51; i++) {
    if (i < 50)
      json_array_append_new(fifty, json_string("England"));
    json_array_append_new(fifty_one, json_string("England"));
  }
  assert_string_equal(with(&KIND_HELPLINES, "phone_alternatives", fifty), "ok");
  assert_string_equal(with(&KIND_HELPLINES, "phone_alternatives", fifty_one), "phone_alternatives");
  assert_string_equal(message_buf, "has more than 50 entries");
}

static void slug_and_url_arrays_check_every_entry(void **state) {
  (void)state;
  assert_string_equal(with_json(&KIND_NEWS, "tags", "[\"modern-slavery\", \"uk\"]"), "ok");
  assert_string_equal(with_json(&KIND_NEWS, "tags", "[\"uk\", \"Modern Slavery\"]"), "tags");
  assert_string_equal(message_buf,
                      "must be lower-case words joined by '-' (at most 100 characters)");
  assert_string_equal(with_json(&KIND_RESOURCES, "tags", "[\"\"]"), "tags");
  assert_string_equal(with_json(&KIND_NEWS, "tags", "{}"), "tags");
  assert_string_equal(with_json(&KIND_NEWS, "related_urls", "[\"https://a.org\", \"http://b\"]"),
                      "ok");
  assert_string_equal(with_json(&KIND_NEWS, "related_urls", "[\"https://a.org\", \"b.org\"]"),
                      "related_urls");
  assert_string_equal(message_buf, "must be an absolute http(s) URL");
  assert_string_equal(with_json(&KIND_HELPLINES, "additional_source_urls", "[\"ftp://x\"]"),
                      "additional_source_urls");
  assert_string_equal(with_json(&KIND_SUPPORT_RATES, "additional_source_urls", "[[]]"),
                      "additional_source_urls");
}

static void string_maps_are_short_strings_keyed_by_words(void **state) {
  (void)state;
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "identifiers",
                                "{\"isbn\": \"978-0-00-000000-0\", \"doi\": "
                                "\"10.1000/182\"}"),
                      "ok");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "identifiers", "{}"), "ok");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "identifiers", "{\"ISBN\": \"x\"}"),
                      "identifiers");
  assert_string_equal(message_buf, "must be an object of short strings keyed by lower-case words");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "identifiers", "{\"bad-key\": \"x\"}"),
                      "identifiers");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "identifiers", "{\"\": \"x\"}"), "identifiers");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "identifiers", "{\"doi\": 1}"), "identifiers");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "identifiers", "{\"doi\": null}"),
                      "identifiers");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "identifiers", "[\"x\"]"), "identifiers");
  assert_string_equal(message_buf, "must be an object of strings");
  /* Values are short texts like every other string: not empty, no control characters. */
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "identifiers", "{\"doi\": \"\"}"),
                      "identifiers");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "identifiers", "{\"doi\": \"a\\nb\"}"),
                      "identifiers");
  json_t *map = json_object();
  json_object_set_new(map, "doi", repeat("1", 300));
  assert_string_equal(with(&KIND_PUBLICATIONS, "identifiers", map), "ok");
  map = json_object();
  json_object_set_new(map, "doi", repeat("1", 301));
  assert_string_equal(with(&KIND_PUBLICATIONS, "identifiers", map), "identifiers");
  /* One error for the field however many entries are bad. */
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "identifiers", "{\"A\": 1, \"B\": 2}"),
                      "identifiers");
}

static void documents_are_checked_one_by_one(void **state) {
  (void)state;
  assert_string_equal(
      with_json(&KIND_PUBLICATIONS, "documents",
                "[{\"url\": \"https://example.org/report.pdf\", \"media_type\": "
                "\"application/pdf\", \"size_bytes\": 123456, \"title\": \"Full report\"}]"),
      "ok");
  assert_string_equal(
      with_json(&KIND_PUBLICATIONS, "documents", "[{\"url\": \"https://example.org/a.pdf\"}]"),
      "ok");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "documents",
                                "[{\"url\": \"https://example.org/a.pdf\", \"media_type\": null, "
                                "\"size_bytes\": null, \"title\": null}]"),
                      "ok");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "documents",
                                "[{\"url\": \"https://example.org/a.pdf\", \"size_bytes\": 0}]"),
                      "ok");

  assert_string_equal(with_json(&KIND_PUBLICATIONS, "documents", "{}"), "documents");
  assert_string_equal(message_buf, "must be an array of documents");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "documents", "[{}]"), "documents[0]");
  assert_string_equal(message_buf, "url must be an absolute http(s) URL");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "documents", "[{\"url\": \"a.pdf\"}]"),
                      "documents[0]");
  assert_string_equal(
      with_json(&KIND_PUBLICATIONS, "documents", "[{\"url\": \"https://x.org\"}, \"x\"]"),
      "documents[1]");
  assert_string_equal(message_buf, "must be an object");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "documents",
                                "[{\"url\": \"https://x.org\", \"media_type\": \"pdf\"}]"),
                      "documents[0]");
  assert_string_equal(message_buf, "media_type must be a media type such as application/pdf");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "documents",
                                "[{\"url\": \"https://x.org\", \"media_type\": 1}]"),
                      "documents[0]");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "documents",
                                "[{\"url\": \"https://x.org\", \"media_type\": \"a/b\\n\"}]"),
                      "documents[0]");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "documents",
                                "[{\"url\": \"https://x.org\", \"size_bytes\": -1}]"),
                      "documents[0]");
  assert_string_equal(message_buf, "size_bytes must be a non-negative integer");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "documents",
                                "[{\"url\": \"https://x.org\", \"size_bytes\": \"12\"}]"),
                      "documents[0]");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "documents",
                                "[{\"url\": \"https://x.org\", \"size_bytes\": 1.5}]"),
                      "documents[0]");
  assert_string_equal(with_json(&KIND_PUBLICATIONS, "documents",
                                "[{\"url\": \"https://x.org\", \"title\": \"a\\nb\"}]"),
                      "documents[0]");
  assert_string_equal(message_buf, "title must be a short text");
  assert_string_equal(
      with_json(&KIND_PUBLICATIONS, "documents", "[{\"url\": \"https://x.org\", \"title\": \"\"}]"),
      "documents[0]");
  assert_string_equal(
      with_json(&KIND_PUBLICATIONS, "documents", "[{\"url\": \"https://x.org\", \"title\": 1}]"),
      "documents[0]");
  assert_string_equal(
      with_json(&KIND_PUBLICATIONS, "documents", "[{\"url\": \"https://x.org\", \"pages\": 3}]"),
      "documents[0]");
  assert_string_equal(message_buf, "has an unknown field");
  /* Every problem of every document, each named by its index. */
  assert_string_equal(
      with_json(&KIND_PUBLICATIONS, "documents",
                "[{\"url\": \"https://x.org\"}, {\"url\": \"x\", \"size_bytes\": -1}, 7]"),
      "documents[1],documents[1],documents[2]");

  json_t *docs = json_array(), *more = json_array();
  for (int i = 0; i < 51; i++) {
    json_t *d = json_pack("{s:s}", "url", "https://example.org/a.pdf");
    if (i < 50)
      json_array_append(docs, d);
    json_array_append_new(more, d);
  }
  assert_string_equal(with(&KIND_PUBLICATIONS, "documents", docs), "ok");
  assert_string_equal(with(&KIND_PUBLICATIONS, "documents", more), "documents");
  assert_string_equal(message_buf, "at most 50 documents");
}

static void field_dates_must_be_in_order(void **state) {
  (void)state;
  assert_string_equal(with2(&KIND_SUPPORT_RATES, "effective_from", json_string("2024-04-01"),
                            "effective_to", json_string("2025-03-31")),
                      "ok");
  assert_string_equal(with2(&KIND_SUPPORT_RATES, "effective_from", json_string("2024-04-01"),
                            "effective_to", json_string("2024-04-01")),
                      "ok");
  assert_string_equal(with2(&KIND_SUPPORT_RATES, "effective_from", json_string("2024-04-02"),
                            "effective_to", json_string("2024-04-01")),
                      "effective_to");
  assert_string_equal(message_buf, "must not be before effective_from");
  assert_string_equal(with2(&KIND_HELPLINES, "valid_from", json_string("2024-01-01"), "valid_to",
                            json_string("2023-12-31")),
                      "valid_to");
  assert_string_equal(message_buf, "must not be before valid_from");
  /* One end alone is fine. */
  assert_string_equal(with(&KIND_HELPLINES, "valid_to", json_string("2000-01-01")), "ok");
}

static void helplines_need_their_contact_and_well_formed_numbers(void **state) {
  (void)state;
  assert_string_equal(with(&KIND_HELPLINES, "phone", NULL), "phone");
  assert_string_equal(message_buf, "is required for a phone helpline");
  assert_string_equal(with(&KIND_HELPLINES, "phone", json_null()), "phone");
  assert_string_equal(with(&KIND_HELPLINES, "kind", json_string("email")), "email");
  assert_string_equal(message_buf, "is required for an e-mail helpline");

  const char *good[] = {"+448000121700", "+1234567", "+123456789012345"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_string_equal(with(&KIND_HELPLINES, "phone_e164", json_string(good[i])), "ok");
  const char *bad[] = {"448000121700",  "+0448000121700", "+123456",
                       "+44 800012170", "+44800012170x",  "++44800012170"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_string_equal(with(&KIND_HELPLINES, "phone_e164", json_string(bad[i])), "phone_e164");
  assert_string_equal(message_buf, "must be an E.164 number such as +448000121700");
  /* 17 characters is over the field's own maximum of 16. */
  assert_string_equal(with(&KIND_HELPLINES, "phone_e164", json_string("+1234567890123456")),
                      "phone_e164");
  assert_string_equal(message_buf, "is too long");

  assert_string_equal(with(&KIND_HELPLINES, "dial_digits", json_string("116123")), "ok");
  assert_string_equal(with(&KIND_HELPLINES, "dial_digits", json_string("116 123")), "dial_digits");
  assert_string_equal(message_buf, "must hold digits only");
  assert_string_equal(with(&KIND_HELPLINES, "dial_digits", json_string("+44")), "dial_digits");
}

static void rules_across_fields_wait_for_the_fields_to_be_valid(void **state) {
  (void)state;
  /* A phone helpline without a phone and with a bad position: only the position is told. */
  json_t *doc = minimal(&KIND_HELPLINES);
  json_object_del(doc, "phone");
  json_object_set_new(doc, "position", json_integer(0));
  assert_string_equal(validate(&KIND_HELPLINES, doc), "position");
  /* A slug cannot be derived from "!!!", but the bad status is told first. */
  assert_string_equal(with2(&KIND_NEWS, "title", json_string("!!!"), "status", json_string("x")),
                      "status");
}

static void slugify_keeps_ascii_letters_and_digits(void **state) {
  (void)state;
  char out[101];
  assert_true(schema_slugify("Hello, World", out, sizeof out));
  assert_string_equal(out, "hello-world");
  assert_true(schema_slugify("  Modern Slavery: Report 2024!  ", out, sizeof out));
  assert_string_equal(out, "modern-slavery-report-2024");
  assert_true(schema_slugify("a--b__c..d", out, sizeof out));
  assert_string_equal(out, "a-b-c-d");
  assert_true(schema_slugify("ABC123", out, sizeof out));
  assert_string_equal(out, "abc123");
  /* A non-ASCII character is a separator: one dash for its bytes, none at the end. */
  assert_true(schema_slugify("Caf\xC3\xA9", out, sizeof out));
  assert_string_equal(out, "caf");
  assert_true(schema_slugify("na\xC3\xAFve", out, sizeof out));
  assert_string_equal(out, "na-ve");
  assert_true(schema_slugify("\xE2\x82\xAC"
                             "5 fee",
                             out, sizeof out));
  assert_string_equal(out, "5-fee");
  /* Nothing usable. */
  assert_false(schema_slugify("", out, sizeof out));
  assert_string_equal(out, "");
  assert_false(schema_slugify("---", out, sizeof out));
  assert_false(schema_slugify("!!! ???", out, sizeof out));
  assert_false(schema_slugify("\xE6\x97\xA5\xE6\x9C\xAC", out, sizeof out));
}

static void slugify_output_is_a_bounded_valid_slug(void **state) {
  (void)state;
  char text[400], out[101];
  memset(text, 'a', sizeof text - 1);
  text[sizeof text - 1] = '\0';
  assert_true(schema_slugify(text, out, sizeof out));
  assert_true(strlen(out) <= 81);
  assert_true(is_slug(out));
  for (size_t i = 0; i + 1 < sizeof text; i++)
    text[i] = i % 3 == 2 ? ' ' : 'B';
  assert_true(schema_slugify(text, out, sizeof out));
  assert_true(strlen(out) <= 81);
  assert_true(is_slug(out));
  /* A small buffer is never overrun and the result stays terminated. */
  char small[6];
  memset(small, 'x', sizeof small);
  assert_true(schema_slugify("abcdefghij", small, 5));
  assert_string_equal(small, "abc");
  assert_int_equal(small[5], 'x');
  assert_true(schema_slugify("ab cdefgh", small, 5));
  assert_string_equal(small, "ab-c");
}

static void the_key_is_derived_from_the_title_when_absent(void **state) {
  (void)state;
  json_t *doc = minimal(&KIND_NEWS);
  json_object_set_new(doc, "title", json_string("Modern Slavery: Report 2024!"));
  json_t *out = accepted(&KIND_NEWS, doc);
  assert_string_equal(json_string_value(json_object_get(out, "slug")),
                      "modern-slavery-report-2024");
  json_decref(out);
  /* null is absent too. */
  doc = minimal(&KIND_RESOURCES);
  json_object_set_new(doc, "slug", json_null());
  out = accepted(&KIND_RESOURCES, doc);
  assert_string_equal(json_string_value(json_object_get(out, "slug")), "victim-care-guide");
  json_decref(out);
  /* A given key is kept. */
  doc = minimal(&KIND_NEWS);
  json_object_set_new(doc, "slug", json_string("chosen"));
  out = accepted(&KIND_NEWS, doc);
  assert_string_equal(json_string_value(json_object_get(out, "slug")), "chosen");
  json_decref(out);
  /* Helplines from the name; support rates key the id from the title. */
  out = accepted(&KIND_HELPLINES, minimal(&KIND_HELPLINES));
  assert_string_equal(json_string_value(json_object_get(out, "slug")), "modern-slavery-helpline");
  json_decref(out);
  out = accepted(&KIND_SUPPORT_RATES, minimal(&KIND_SUPPORT_RATES));
  assert_string_equal(json_string_value(json_object_get(out, "id")), "subsistence");
  assert_null(json_object_get(out, "slug"));
  json_decref(out);
}

static void a_title_with_nothing_usable_needs_a_key(void **state) {
  (void)state;
  assert_string_equal(with(&KIND_NEWS, "title", json_string("!!!")), "slug");
  assert_string_equal(message_buf, "cannot be derived from the title; give one");
  assert_string_equal(with(&KIND_HELPLINES, "name", json_string("\xE6\x97\xA5\xE6\x9C\xAC")),
                      "slug");
  assert_string_equal(with(&KIND_SUPPORT_RATES, "title", json_string("***")), "id");
  assert_string_equal(
      with2(&KIND_NEWS, "title", json_string("!!!"), "slug", json_string("exclaim")), "ok");
}

static void markdown_is_rendered_safely_into_body_html(void **state) {
  (void)state;
  json_t *doc = minimal(&KIND_NEWS);
  json_object_set_new(doc, "body_markdown",
                      json_string("# Heading\n\nSome *text*.\n\n<script>alert(1)</script>\n\n"
                                  "[link](javascript:alert(2)) <img src=x onerror=alert(3)>\n"));
  json_t *out = accepted(&KIND_NEWS, doc);
  const char *html = json_string_value(json_object_get(out, "body_html"));
  assert_non_null(html);
  assert_non_null(strstr(html, "<h1>Heading</h1>"));
  assert_non_null(strstr(html, "<em>text</em>"));
  assert_null(strstr(html, "<script"));
  assert_null(strstr(html, "javascript:"));
  assert_null(strstr(html, "<img"));
  assert_string_equal(json_string_value(json_object_get(out, "body_markdown")),
                      "# Heading\n\nSome *text*.\n\n<script>alert(1)</script>\n\n"
                      "[link](javascript:alert(2)) <img src=x onerror=alert(3)>\n");
  json_decref(out);

  doc = minimal(&KIND_PUBLICATIONS);
  json_object_set_new(doc, "body_markdown", json_string("Para"));
  out = accepted(&KIND_PUBLICATIONS, doc);
  assert_string_equal(json_string_value(json_object_get(out, "body_html")), "<p>Para</p>\n");
  json_decref(out);

  /* No markdown, no HTML (null, not absent). */
  out = accepted(&KIND_NEWS, minimal(&KIND_NEWS));
  assert_non_null(json_object_get(out, "body_html"));
  assert_true(json_is_null(json_object_get(out, "body_html")));
  json_decref(out);
  /* Kinds without markdown carry no body_html. */
  out = accepted(&KIND_RESOURCES, minimal(&KIND_RESOURCES));
  assert_null(json_object_get(out, "body_html"));
  json_decref(out);
}

static void the_input_is_not_modified(void **state) {
  (void)state;
  json_t *doc = minimal(&KIND_NEWS);
  json_object_set_new(doc, "body_markdown", json_string("x"));
  json_t *errors = NULL;
  json_t *out = schema_validate(&KIND_NEWS, doc, &errors);
  assert_non_null(out);
  assert_int_equal(json_object_size(doc), 2);
  assert_null(json_object_get(doc, "slug"));
  assert_null(json_object_get(doc, "body_html"));
  json_decref(out);
  json_decref(doc);
}

static void strip_read_only_leaves_what_a_patch_applies_to(void **state) {
  (void)state;
  json_t *rep =
      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", "0b6f", "created_at",
                "2024-01-01T00:00:00Z", "updated_at", "2024-01-02T00:00:00Z", "url",
                "https://api/v1/news/x", "body_html", "<p>x</p>", "title", "T", "slug", "x");
  schema_strip_read_only(&KIND_NEWS, rep);
  assert_int_equal(json_object_size(rep), 2);
  assert_non_null(json_object_get(rep, "title"));
  assert_non_null(json_object_get(rep, "slug"));
  json_decref(rep);

  rep = json_pack("{s:s, s:s, s:s, s:s}", "id", "1", "title", "Helpline (phone)", "name",
                  "Helpline", "slug", "helpline");
  schema_strip_read_only(&KIND_HELPLINES, rep);
  assert_int_equal(json_object_size(rep), 2);
  assert_null(json_object_get(rep, "title"));
  assert_non_null(json_object_get(rep, "name"));
  json_decref(rep);

  rep = json_pack("{s:s, s:s, s:s, s:s}", "id", "weekly", "slug", "weekly", "url", "u",
                  "published_on", "2024-01-01");
  schema_strip_read_only(&KIND_SUPPORT_RATES, rep);
  assert_int_equal(json_object_size(rep), 2); /* id and published_on stay */
  assert_non_null(json_object_get(rep, "id"));
  json_decref(rep);

  rep = json_pack("{s:s, s:s, s:s}", "published_on", "2024-01-01", "body_html", "x", "type", "r");
  schema_strip_read_only(&KIND_PUBLICATIONS, rep);
  assert_int_equal(json_object_size(rep), 1);
  assert_non_null(json_object_get(rep, "type"));
  json_decref(rep);

  /* What remains of a full representation validates again. */
  json_t *full = accepted(&KIND_PUBLICATIONS, minimal(&KIND_PUBLICATIONS));
  json_object_set_new(full, "id", json_string("0b6f"));
  json_object_set_new(full, "published_on", json_string("2024-01-01"));
  json_object_set_new(full, "url", json_string("https://api/v1/publications/annual-report-2023"));
  schema_strip_read_only(&KIND_PUBLICATIONS, full);
  json_decref(accepted(&KIND_PUBLICATIONS, full));
}

/* Publications take published_on, a real Europe/London date (content_write turns it into
 * published_at); no other kind has it. */
static void published_on_is_a_date_of_publications_only(void **state) {
  (void)state;
  json_decref(accepted(&KIND_PUBLICATIONS, json_pack("{s:s, s:s, s:s}", "title", "Report", "type",
                                                     "report", "published_on", "2020-10-08")));
  json_decref(accepted(&KIND_PUBLICATIONS, json_pack("{s:s, s:s, s:n}", "title", "Report", "type",
                                                     "report", "published_on")));
  assert_string_equal(with(&KIND_PUBLICATIONS, "published_on", json_string("2020-02-30")),
                      "published_on");
  assert_string_equal(with(&KIND_PUBLICATIONS, "published_on", json_string("2020-10-08T00:00Z")),
                      "published_on");
  assert_string_equal(with(&KIND_NEWS, "published_on", json_string("2020-10-08")), "published_on");
  assert_string_equal(message_buf, "is not a field of this type");
}

/* A patch that dates by published_on alone replaces the current published_at; one that
 * names published_at, or neither, leaves it. */
static void patch_prepare_lets_published_on_stand_for_published_at(void **state) {
  (void)state;
  json_t *cur = json_pack("{s:s, s:s}", "title", "R", "published_at", "2020-01-01T00:00:00Z");
  json_t *patch = json_pack("{s:s}", "published_on", "2021-05-05");
  schema_patch_prepare(&KIND_PUBLICATIONS, cur, patch);
  assert_null(json_object_get(cur, "published_at"));
  json_decref(patch);
  json_object_set_new(cur, "published_at", json_string("2020-01-01T00:00:00Z"));
  patch =
      json_pack("{s:s, s:s}", "published_on", "2020-01-01", "published_at", "2020-01-01T09:00:00Z");
  schema_patch_prepare(&KIND_PUBLICATIONS, cur, patch);
  assert_non_null(json_object_get(cur, "published_at"));
  json_decref(patch);
  patch = json_pack("{s:s}", "title", "S");
  schema_patch_prepare(&KIND_PUBLICATIONS, cur, patch);
  schema_patch_prepare(&KIND_NEWS, cur, patch);
  assert_non_null(json_object_get(cur, "published_at"));
  json_decref(patch);
  json_decref(cur);
}

/* Parses a JSON text for the merge patch tests. */
static json_t *j(const char *text) {
  json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
  assert_non_null(v);
  return v;
}

/* Applies patch to target (both JSON texts) and compares with want. */
static bool patched_equals(const char *target, const char *patch, const char *want) {
  json_t *t = j(target), *p = j(patch), *w = j(want);
  json_t *out = schema_merge_patch(t, p);
  bool ok = json_equal(out, w);
  if (!ok) {
    char *s = json_dumps(out, JSON_ENCODE_ANY | JSON_COMPACT);
    fprintf(stderr, "merge %s + %s gave %s\n", target, patch, s);
    free(s);
  }
  json_decref(out);
  json_decref(t);
  json_decref(p);
  json_decref(w);
  return ok;
}

static void merge_patch_follows_rfc_7396(void **state) {
  (void)state;
  /* The examples of RFC 7396, appendix A. */
  assert_true(patched_equals("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"));
  assert_true(patched_equals("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"));
  assert_true(patched_equals("{\"a\":\"b\"}", "{\"a\":null}", "{}"));
  assert_true(patched_equals("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"));
  assert_true(patched_equals("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"));
  assert_true(patched_equals("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"));
  assert_true(patched_equals("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
                             "{\"a\":{\"b\":\"d\"}}"));
  assert_true(patched_equals("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"));
  assert_true(patched_equals("[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"));
  assert_true(patched_equals("{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"));
  assert_true(patched_equals("{\"a\":\"foo\"}", "null", "null"));
  assert_true(patched_equals("{\"a\":\"foo\"}", "\"bar\"", "\"bar\""));
  assert_true(patched_equals("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"));
  assert_true(patched_equals("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"));
  assert_true(patched_equals("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"));
  /* Nested objects merge, deleting an absent key is harmless, an empty patch changes nothing. */
  assert_true(patched_equals("{\"t\":\"x\",\"ids\":{\"isbn\":\"1\",\"doi\":\"2\"}}",
                             "{\"ids\":{\"doi\":null,\"issn\":\"3\"},\"gone\":null}",
                             "{\"t\":\"x\",\"ids\":{\"isbn\":\"1\",\"issn\":\"3\"}}"));
  assert_true(patched_equals("{\"a\":1}", "{}", "{\"a\":1}"));
  /* Arrays replace, never merge. */
  assert_true(
      patched_equals("{\"tags\":[\"a\",\"b\"]}", "{\"tags\":[\"c\"]}", "{\"tags\":[\"c\"]}"));
}

static void merge_patch_works_in_place_and_returns_a_new_reference(void **state) {
  (void)state;
  json_t *target = j("{\"title\":\"a\",\"nested\":{\"x\":1}}");
  json_t *patch = j("{\"title\":\"b\",\"nested\":{\"y\":[1,2]}}");
  json_t *out = schema_merge_patch(target, patch);
  assert_ptr_equal(out, target);
  assert_int_equal(target->refcount, 2);
  json_decref(out);
  assert_string_equal(json_string_value(json_object_get(target, "title")), "b");
  assert_int_equal(json_object_size(json_object_get(target, "nested")), 2);
  /* The patch's values are copied, not shared: changing the patch leaves the target alone. */
  json_array_append_new(json_object_get(json_object_get(patch, "nested"), "y"), json_integer(3));
  assert_int_equal(json_array_size(json_object_get(json_object_get(target, "nested"), "y")), 2);
  json_decref(patch);
  json_decref(target);

  /* A patch that is not an object replaces: the target is left as it was. */
  target = j("{\"a\":1}");
  patch = j("[1]");
  out = schema_merge_patch(target, patch);
  assert_ptr_not_equal(out, target);
  assert_ptr_not_equal(out, patch);
  assert_int_equal(json_object_size(target), 1);
  assert_int_equal(json_integer_value(json_object_get(target, "a")), 1);
  assert_int_equal(target->refcount, 1);
  assert_true(json_is_array(out));
  json_decref(out);
  json_decref(patch);
  json_decref(target);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_kind_accepts_its_minimal_document),
      cmocka_unit_test(the_kinds_are_named_and_scoped),
      cmocka_unit_test(a_body_that_is_not_an_object_is_refused),
      cmocka_unit_test(absent_fields_take_their_fallback),
      cmocka_unit_test(given_values_are_kept),
      cmocka_unit_test(required_fields_are_each_listed_when_absent),
      cmocka_unit_test(null_is_required_for_required_and_refused_for_lists),
      cmocka_unit_test(nullable_fields_accept_null),
      cmocka_unit_test(unknown_fields_are_refused),
      cmocka_unit_test(read_only_fields_are_refused),
      cmocka_unit_test(every_error_is_listed),
      cmocka_unit_test(wrong_json_types_are_refused),
      cmocka_unit_test(strings_are_counted_in_characters),
      cmocka_unit_test(control_characters_are_refused_and_newlines_only_in_long_text),
      cmocka_unit_test(slugs_are_lower_case_words_joined_by_dashes),
      cmocka_unit_test(words_are_lower_case_letters_digits_and_underscores),
      cmocka_unit_test(urls_are_absolute_http_or_https),
      cmocka_unit_test(emails_need_one_at_and_a_dotted_domain),
      cmocka_unit_test(dates_must_be_real_days),
      cmocka_unit_test(timestamps_need_an_offset),
      cmocka_unit_test(approximate_dates_are_a_year_or_a_month),
      cmocka_unit_test(enums_take_only_their_values),
      cmocka_unit_test(booleans_are_true_or_false),
      cmocka_unit_test(integers_are_bounded),
      cmocka_unit_test(string_arrays_check_every_entry),
      cmocka_unit_test(slug_and_url_arrays_check_every_entry),
      cmocka_unit_test(string_maps_are_short_strings_keyed_by_words),
      cmocka_unit_test(documents_are_checked_one_by_one),
      cmocka_unit_test(field_dates_must_be_in_order),
      cmocka_unit_test(helplines_need_their_contact_and_well_formed_numbers),
      cmocka_unit_test(rules_across_fields_wait_for_the_fields_to_be_valid),
      cmocka_unit_test(slugify_keeps_ascii_letters_and_digits),
      cmocka_unit_test(slugify_output_is_a_bounded_valid_slug),
      cmocka_unit_test(the_key_is_derived_from_the_title_when_absent),
      cmocka_unit_test(a_title_with_nothing_usable_needs_a_key),
      cmocka_unit_test(markdown_is_rendered_safely_into_body_html),
      cmocka_unit_test(the_input_is_not_modified),
      cmocka_unit_test(strip_read_only_leaves_what_a_patch_applies_to),
      cmocka_unit_test(published_on_is_a_date_of_publications_only),
      cmocka_unit_test(patch_prepare_lets_published_on_stand_for_published_at),
      cmocka_unit_test(merge_patch_follows_rfc_7396),
      cmocka_unit_test(merge_patch_works_in_place_and_returns_a_new_reference),
  };
  return cmocka_run_group_tests_name("schema", tests, NULL, NULL);
}
