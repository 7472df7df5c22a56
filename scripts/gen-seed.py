#!/usr/bin/env python3
"""Generate sql/seed/0001_starter.sql from the starter dataset (../shared/data/*.json).

Usage: scripts/gen-seed.py [DATA_DIR]

DATA_DIR defaults to ../shared/data relative to the repository root. The output
is always written to sql/seed/0001_starter.sql under the repository root. The
output depends only on the JSON files, so running this twice gives the same bytes.
Python 3 standard library only. See sql/seed/README.md for the mapping and every
derivation rule; the tables below are the single source of those rules.
"""

import hashlib
import json
import os
import re
import sys
import uuid

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(REPO_ROOT, "sql", "seed", "0001_starter.sql")

FILES = ["news.json", "publications.json", "helplines.json", "support-rates.json", "resources.json"]

KEYS = {
    "news.json": ["slug", "title", "summary", "published_at", "published_at_confidence",
                  "published_approx", "source_url", "related_urls", "source_note", "tags", "in_seed"],
    "publications.json": ["slug", "title", "type", "authors", "partners", "published_at",
                          "published_approx", "summary", "identifiers", "source_url",
                          "document_url", "source_note", "in_seed"],
    "helplines.json": ["slug", "name", "kind", "number", "number_alternative_formats", "dial_digits",
                       "hours", "jurisdictions", "operator", "when_to_use", "valid_from", "valid_to",
                       "source_url", "additional_source_urls", "notes", "confidence", "in_seed"],
    "support-rates.json": ["id", "jurisdiction", "scheme", "category", "amount_pence", "currency",
                           "period", "effective_from", "effective_to", "superseded_by", "attested_on",
                           "source_url", "additional_source_urls", "notes", "confidence"],
    "resources.json": ["slug", "kind", "title", "summary", "organisation", "role", "jurisdictions",
                       "url", "published_at", "published_approx", "source_url",
                       "additional_source_urls", "source_note", "in_seed"],
}

# ---------------------------------------------------------------- helplines
# Per-slug decisions (documented in sql/seed/README.md). Every helpline in the
# data must appear here: a new helpline makes the generator stop until someone
# decides where it goes and how urgent it is.
#   slug: (position, urgency, link)
HELPLINES = {
    "police-emergency-999":                      (1, "emergency", None),
    "modern-slavery-exploitation-helpline":      (2, "advice", "https://www.modernslaveryhelpline.org"),
    "police-non-emergency-101":                  (3, "non-emergency", None),
    "crimestoppers":                             (4, "anonymous", "https://crimestoppers-uk.org"),
    # UK-wide, support before reporting
    "nspcc-helpline-ctac":                       (5, "advice", None),
    "safecall":                                  (6, "anonymous", None),
    "glaa-reporting-line":                       (7, "non-emergency", None),
    # England and Wales
    "salvation-army-referral-helpline":          (8, "advice", None),
    # Scotland
    "tara-scotland":                             (9, "advice", None),
    "migrant-help-scotland-daytime":             (10, "advice", None),
    "migrant-help-scotland-out-of-hours":        (11, "advice", None),
    "police-scotland-nhtu":                      (12, "non-emergency", None),
    # Northern Ireland
    "migrant-help-ni-referral":                  (13, "advice", None),
    # superseded number, then the office's enquiries address
    "salvation-army-referral-helpline-pre-2021": (14, "advice", None),
    "iasc-office-email":                         (15, "advice", None),
}

# is_24_7: true only when the published hours state round-the-clock service.
ROUND_THE_CLOCK = re.compile(r"(^|\W)(24/7|24 hours a day)(\W|$)", re.IGNORECASE)


def is_24_7(hours):
    return bool(hours) and ROUND_THE_CLOCK.search(hours) is not None


def phone_e164(h):
    """+44 form of a UK geographic/non-geographic/mobile number; None otherwise."""
    d = h["dial_digits"]
    if h["kind"] != "phone" or d is None:
        return None
    if d.startswith("0") and len(d) in (10, 11) and d.isdigit():
        e = "+44" + d[1:]
        assert re.fullmatch(r"\+[1-9][0-9]{6,14}", e), e
        return e
    return None  # short codes: 999, 101, 116000


# ------------------------------------------------------------ support rates
SCHEMES = [  # (prefix of the data's scheme, short name used in titles)
    ("Victim Care Contract", "Victim Care Contract"),
    ("Asylum support", "Asylum support"),
]

# category: (title label, first sentence of the description)
CATEGORIES = {
    "adult_vcc_accommodation_self_catered": (
        "self-catered accommodation, adult",
        "Weekly financial support for an adult in Victim Care Contract safe-house accommodation who buys their own food."),
    "adult_vcc_accommodation_catered": (
        "catered safe house, adult",
        "Weekly financial support for an adult in a Victim Care Contract safe house where food is provided."),
    "adult_outreach_not_accommodated_by_home_office_or_vcc": (
        "outreach support, adult not accommodated by the Home Office or the VCC",
        "Weekly financial support for an adult receiving Victim Care Contract outreach support who is not accommodated by the Home Office or the VCC."),
    "dependent_child_first": (
        "first dependent child",
        "Weekly payment under the Victim Care Contract for an adult's first dependent child."),
    "dependent_child_each_additional": (
        "each additional dependent child",
        "Weekly payment under the Victim Care Contract for each additional dependent child."),
    "dependent_child_each": (
        "each dependent child",
        "Weekly payment under the Victim Care Contract for each dependent child; not paid by the VCC where the family receives asylum support."),
    "supplement_child_under_1": (
        "supplement for a child under 1",
        "Additional weekly payment under the Victim Care Contract for a child up to their first birthday."),
    "supplement_child_aged_1_to_3": (
        "supplement for a child aged 1 to 3",
        "Additional weekly payment under the Victim Care Contract for a child from the day after their first birthday until their third birthday."),
    "supplement_pregnancy": (
        "pregnancy supplement",
        "Additional weekly payment under the Victim Care Contract for a pregnant woman."),
    "maternity_grant_per_expected_child": (
        "maternity grant per expected child",
        "One-off grant under the Victim Care Contract for each expected child."),
    "adult_also_receiving_asylum_support_total": (
        "total for an adult also on asylum support",
        "Total weekly cash (asylum support plus any Victim Care Contract payment) for an adult potential victim who also receives asylum support."),
    "vcc_top_up_for_asylum_supported_adult": (
        "derived top-up for an adult on asylum support",
        "Weekly Victim Care Contract top-up on top of asylum support for an adult potential victim; a derived figure (total minus the asylum support rate), not a published rate."),
    "adult_in_initial_full_board_asylum_accommodation_paid": (
        "amount actually paid to an adult in initial full-board asylum accommodation",
        "Weekly Victim Care Contract payment the Home Office actually made to an adult potential victim in initial full-board asylum accommodation."),
    "vcc_top_up_for_adult_in_asylum_accommodation": (
        "flat payment for an adult in asylum accommodation",
        "Flat weekly Victim Care Contract payment, on top of asylum support, for an adult potential victim in asylum accommodation."),
    "asylum_support_standard_weekly": (
        "standard allowance, section 95",
        "Standard weekly cash allowance for asylum seekers (Immigration and Asylum Act 1999, section 95), shown as context for victims' rates."),
    "asylum_support_full_board_hotel_weekly": (
        "full-board hotel accommodation",
        "Weekly cash payment for asylum seekers in temporary full-board hotel accommodation, shown as context for victims' rates."),
    "asylum_support_full_board_weekly": (
        "full-board accommodation",
        "Weekly cash allowance for asylum seekers in full-board (catered) accommodation, shown as context for victims' rates."),
}

# When effective_from is null but the record's notes give an approximate start,
# the title and description say so (text taken from the notes, not invented).
APPROX_FROM = {
    "asylum-s95-2022": "2022 (exact date not confirmed)",
    "asylum-s95-interim-2023-07": "July 2023 (exact day not found)",
    "asylum-full-board-interim-2023-07": "July 2023 (exact day not found)",
    "asylum-full-board-hotel-2020": "announced November 2020, backdated to the start of the pandemic (exact date not stated)",
}
APPROX_FROM_SHORT = {
    "asylum-s95-2022": "2022",
    "asylum-s95-interim-2023-07": "July 2023",
    "asylum-full-board-interim-2023-07": "July 2023",
    "asylum-full-board-hotel-2020": "announced November 2020",
}

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def long_date(iso):
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{d} {MONTHS[m - 1]} {y}"


def rate_title(r):
    short = next((s for p, s in SCHEMES if r["scheme"].startswith(p)), None)
    if short is None:
        sys.exit(f"support rate {r['id']}: unknown scheme {r['scheme']!r}")
    if r["category"] not in CATEGORIES:
        sys.exit(f"support rate {r['id']}: no title/description for category {r['category']!r}")
    label = CATEGORIES[r["category"]][0]
    period = {"week": "weekly", "one_off": "one-off"}[r["period"]]
    f, t = r["effective_from"], r["effective_to"]
    if f is None and r["id"] in APPROX_FROM_SHORT:
        f_txt = APPROX_FROM_SHORT[r["id"]]
    else:
        f_txt = long_date(f) if f else None
    if f_txt and t:
        when = f"{f_txt} to {long_date(t)}"
    elif f_txt:
        when = f_txt if r["id"] in APPROX_FROM_SHORT else f"from {f_txt}"
    elif t:
        when = f"until {long_date(t)}"
    else:
        when = None
    return f"{short}: {label} ({period}{', ' + when if when else ''})"


def rate_description(r):
    first = CATEGORIES[r["category"]][1]
    f, t = r["effective_from"], r["effective_to"]
    approx = APPROX_FROM.get(r["id"]) if f is None else None
    if t:
        end = f"in force until {long_date(t)} (inclusive)"
    elif r["superseded_by"]:
        end = "later replaced by another rate (end date not recorded)"
    else:
        end = "no end date recorded"
    if f and t:
        when = f"In force from {long_date(f)} to {long_date(t)} (inclusive)."
    elif f:
        when = f"In force from {long_date(f)}; {end}."
    elif approx:
        when = f"Start: {approx}; {end}."
    elif t:
        when = f"Start date not recorded; {end}."
    elif r["superseded_by"]:
        when = f"Start date not recorded; {end}."
    else:
        when = "Start and end dates not recorded."
    if r["amount_pence"] == 0:
        when = "No payment was made in this period. " + when
    if r["confidence"] == "uncertain":
        when += " Marked uncertain; see the notes."
    return f"{first} {when}"


# ---------------------------------------------------------------- resources
# resources.type = kind (exactly); tags derived from the kind.
KIND_TAGS = {
    "coronavirus_response": ["coronavirus"],
    "qa": ["questions-and-answers"],
    "toolkit": ["toolkit"],
    "definition": ["definition"],
    "statutory_agency": ["statutory-agency"],
    "support_provider": ["support-provider", "victim-care"],
    "support_framework": ["support-framework", "victim-care"],
}
COLLECTION_KINDS = {"coronavirus_response": "coronavirus-response"}
# Seed items listed under the seed homepage's "Coronavirus Response" heading whose
# kind is not coronavirus_response (the data README counts 5 seed coronavirus-response
# items; one of them, the NGO-forum Q&As, has kind "qa").
COLLECTION_EXTRA = {"covid-ngo-forum-qas": "coronavirus-response"}
COLLECTION_TAGS = {"coronavirus-response": ["coronavirus"]}

TAG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_RE = TAG_RE


# ---------------------------------------------------------------- SQL output
def q(v):
    """An SQL literal for a Python value (standard_conforming_strings = on)."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        if "\x00" in v:
            sys.exit("NUL byte in text")
        return "'" + v.replace("'", "''") + "'"
    raise TypeError(type(v))


def arr(values):
    if not values:
        return "'{}'::text[]"
    for v in values:
        if not isinstance(v, str):
            sys.exit(f"array element is not text: {v!r}")
    return "ARRAY[" + ", ".join(q(v) for v in values) + "]::text[]"


def jsonb(obj):
    return q(json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))) + "::jsonb"


def det_uuid(table, slug):
    return str(uuid.UUID(hashlib.md5(f"{table}/{slug}".encode("utf-8")).hexdigest()))


def insert(table, cols, comment=None):
    names = ", ".join(c for c, _ in cols)
    vals = ",\n  ".join(v for _, v in cols)
    head = f"-- {comment}\n" if comment else ""
    return f"{head}INSERT INTO {table} ({names})\nVALUES (\n  {vals})\nON CONFLICT DO NOTHING;\n"


def load(data_dir):
    out, digests = {}, {}
    for name in FILES:
        path = os.path.join(data_dir, name)
        with open(path, "rb") as fh:
            raw = fh.read()
        digests[name] = hashlib.sha256(raw).hexdigest()
        recs = json.loads(raw.decode("utf-8"))
        for r in recs:
            if list(r.keys()) != KEYS[name]:
                sys.exit(f"{name}: unexpected fields in {r.get('slug') or r.get('id')}: {list(r.keys())}")
        key = "id" if name == "support-rates.json" else "slug"
        ids = [r[key] for r in recs]
        if len(set(ids)) != len(ids):
            sys.exit(f"{name}: duplicate {key}")
        for i in ids:
            if not SLUG_RE.match(i):
                sys.exit(f"{name}: bad {key} {i!r}")
        out[name] = recs
    return out, digests


def gen_news(recs):
    parts = []
    for n in recs:
        for t in n["tags"]:
            if not TAG_RE.match(t):
                sys.exit(f"news {n['slug']}: bad tag {t!r}")
        nid = det_uuid("news", n["slug"])
        parts.append(insert("news", [
            ("id", q(nid)),
            ("slug", q(n["slug"])),
            ("title", q(n["title"])),
            ("summary", q(n["summary"])),
            ("body_markdown", q(n["summary"])),
            ("published_at", q(n["published_at"])),
            ("published_approx", q(n["published_approx"])),
            ("published_at_confidence", q(n["published_at_confidence"])),
            ("source_url", q(n["source_url"])),
            ("related_urls", arr(n["related_urls"])),
            ("source_note", q(n["source_note"])),
            ("tags", arr(n["tags"])),
            ("in_seed", q(n["in_seed"])),
            ("status", q("published")),
        ], f"news/{n['slug']}: id = md5('news/{n['slug']}')::uuid"))
    return parts


def gen_publications(recs):
    parts = []
    for p in recs:
        pid = det_uuid("publications", p["slug"])
        ids = {k: v for k, v in sorted(p["identifiers"].items()) if v is not None}
        cols = [
            ("id", q(pid)),
            ("slug", q(p["slug"])),
            ("title", q(p["title"])),
            ("type", q(p["type"])),
            ("summary", q(p["summary"])),
            ("authors", arr(p["authors"])),
            ("partners", arr(p["partners"])),
            ("identifiers", jsonb(ids)),
            ("published_at", q(p["published_at"])),
            ("published_approx", q(p["published_approx"])),
            ("source_url", q(p["source_url"])),
            ("source_note", q(p["source_note"])),
            ("tags", arr([])),
            ("in_seed", q(p["in_seed"])),
            ("status", q("published")),
        ]
        comment = f"publications/{p['slug']}: id = md5('publications/{p['slug']}')::uuid"
        if p["document_url"] is None:
            parts.append(insert("publications", cols, comment))
            continue
        # The document row is added only together with a freshly inserted
        # publication, so an admin's later edits to its documents are never undone.
        url = p["document_url"]
        media = "application/pdf" if url.lower().endswith(".pdf") else None
        names = ", ".join(c for c, _ in cols)
        vals = ",\n  ".join(v for _, v in cols)
        parts.append(
            f"-- {comment}\n"
            f"WITH p AS (\n"
            f"INSERT INTO publications ({names})\nVALUES (\n  {vals})\nON CONFLICT DO NOTHING\nRETURNING id)\n"
            f"INSERT INTO publication_documents (publication_id, position, url, media_type, size_bytes, title)\n"
            f"SELECT p.id, 1, {q(url)}, {q(media)}, NULL, {q(p['title'])} FROM p\n"
            f"ON CONFLICT DO NOTHING;\n")
    return parts


def gen_helplines(recs):
    slugs = {h["slug"] for h in recs}
    if slugs != set(HELPLINES):
        sys.exit(f"helplines: decisions missing for {sorted(slugs - set(HELPLINES))}, "
                 f"stale for {sorted(set(HELPLINES) - slugs)}")
    positions = sorted(v[0] for v in HELPLINES.values())
    if positions != list(range(1, len(HELPLINES) + 1)):
        sys.exit("helplines: positions must be 1..N, each once")
    parts = []
    for h in sorted(recs, key=lambda h: HELPLINES[h["slug"]][0]):
        position, urgency, link = HELPLINES[h["slug"]]
        email_kind = h["kind"] == "email"
        if email_kind and h["dial_digits"] is not None:
            sys.exit(f"helpline {h['slug']}: email with dial digits")
        if not email_kind and not re.fullmatch(r"[0-9]+", h["dial_digits"] or ""):
            sys.exit(f"helpline {h['slug']}: bad dial_digits")
        if not email_kind and re.sub(r"\D", "", h["number"]) != h["dial_digits"]:
            sys.exit(f"helpline {h['slug']}: number and dial_digits disagree")
        for alt in h["number_alternative_formats"]:
            if re.sub(r"\D", "", alt) != h["dial_digits"]:
                sys.exit(f"helpline {h['slug']}: alternative format {alt!r} has other digits")
        hid = det_uuid("helplines", h["slug"])
        parts.append(insert("helplines", [
            ("id", q(hid)),
            ("slug", q(h["slug"])),
            ("name", q(h["name"])),
            ("kind", q(h["kind"])),
            ("phone", q(None if email_kind else h["number"])),
            ("phone_alternatives", arr(h["number_alternative_formats"])),
            ("dial_digits", q(h["dial_digits"])),
            ("phone_e164", q(phone_e164(h))),
            ("email", q(h["number"] if email_kind else None)),
            ("urgency", q(urgency)),
            ("availability", q(h["hours"])),
            ("is_24_7", q(is_24_7(h["hours"]))),
            ("jurisdictions", arr(h["jurisdictions"])),
            ("operator", q(h["operator"])),
            ("description", q(h["when_to_use"])),
            ("link", q(link)),
            ("position", q(position)),
            ("valid_from", q(h["valid_from"])),
            ("valid_to", q(h["valid_to"])),
            ("source_url", q(h["source_url"])),
            ("additional_source_urls", arr(h["additional_source_urls"])),
            ("notes", q(h["notes"])),
            ("confidence", q(h["confidence"])),
            ("in_seed", q(h["in_seed"])),
            ("status", q("published")),
        ], f"helplines/{h['slug']}: id = md5('helplines/{h['slug']}')::uuid"))
    return parts


def gen_support_rates(recs):
    ids = {r["id"] for r in recs}
    titles = set()
    parts = []
    for r in recs:
        if not isinstance(r["amount_pence"], int) or isinstance(r["amount_pence"], bool):
            sys.exit(f"support rate {r['id']}: amount_pence is not an integer")
        if r["superseded_by"] is not None and r["superseded_by"] not in ids:
            sys.exit(f"support rate {r['id']}: superseded_by points nowhere")
        title = rate_title(r)
        if title in titles:
            sys.exit(f"support rate {r['id']}: duplicate title {title!r}")
        titles.add(title)
        parts.append(insert("support_rates", [
            ("id", q(r["id"])),
            ("title", q(title)),
            ("description", q(rate_description(r))),
            ("jurisdiction", q(r["jurisdiction"])),
            ("scheme", q(r["scheme"])),
            ("category", q(r["category"])),
            ("amount_pence", q(r["amount_pence"])),
            ("currency", q(r["currency"])),
            ("period", q(r["period"])),
            ("effective_from", q(r["effective_from"])),
            ("effective_to", q(r["effective_to"])),
            ("superseded_by", q(r["superseded_by"])),
            ("attested_on", arr(r["attested_on"])),
            ("source_url", q(r["source_url"])),
            ("additional_source_urls", arr(r["additional_source_urls"])),
            ("notes", q(r["notes"])),
            ("confidence", q(r["confidence"])),
            ("status", q("published")),
        ], f"support_rates/{r['id']}"))
    return parts


def resource_collection(r):
    return COLLECTION_EXTRA.get(r["slug"]) or COLLECTION_KINDS.get(r["kind"])


def resource_tags(r):
    if r["kind"] not in KIND_TAGS:
        sys.exit(f"resource {r['slug']}: no tags for kind {r['kind']!r}")
    tags = list(KIND_TAGS[r["kind"]])
    for t in COLLECTION_TAGS.get(resource_collection(r), []):
        if t not in tags:
            tags.append(t)
    for t in tags:
        assert TAG_RE.match(t), t
    return tags


def gen_resources(recs):
    parts = []
    for r in recs:
        rid = det_uuid("resources", r["slug"])
        parts.append(insert("resources", [
            ("id", q(rid)),
            ("slug", q(r["slug"])),
            ("type", q(r["kind"])),
            ("collection", q(resource_collection(r))),
            ("title", q(r["title"])),
            ("summary", q(r["summary"])),
            ("organisation", q(r["organisation"])),
            ("role", q(r["role"])),
            ("jurisdictions", arr(r["jurisdictions"])),
            ("link", q(r["url"])),
            ("published_at", q(r["published_at"])),
            ("published_approx", q(r["published_approx"])),
            ("source_url", q(r["source_url"])),
            ("additional_source_urls", arr(r["additional_source_urls"])),
            ("source_note", q(r["source_note"])),
            ("tags", arr(resource_tags(r))),
            ("in_seed", q(r["in_seed"])),
            ("status", q("published")),
        ], f"resources/{r['slug']}: id = md5('resources/{r['slug']}')::uuid"))
    return parts


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    data_dir = argv[1] if len(argv) == 2 else os.path.join(REPO_ROOT, "..", "shared", "data")
    data, digests = load(data_dir)

    head = [
        "-- 0001_starter: the IASC starter dataset (news, publications, helplines,",
        "-- support rates, resources). GENERATED by scripts/gen-seed.py from the",
        "-- shared data files; do not edit by hand (see sql/seed/README.md).",
        "--",
        "-- Idempotent: every row is INSERT ... ON CONFLICT DO NOTHING; existing rows",
        "-- (possibly corrected by an admin) are never updated. Run inside one transaction.",
        "-- Ids: news, publications, helplines, resources use md5('<table>/<slug>')::uuid,",
        "-- written out as literals; support_rates.id is the data's id.",
        "--",
        "-- Source files (sha256):",
    ]
    head += [f"--   {name}  {digests[name]}" for name in FILES]
    head += [
        "",
        "-- Stop if this file is not being read as UTF-8 (the text contains '£'):",
        "-- a wrong client_encoding would otherwise store mangled text silently.",
        "DO $$ BEGIN",
        "  IF length('£') <> 1 THEN",
        "    RAISE EXCEPTION 'seed 0001_starter must be read as UTF-8 (client_encoding is %)', current_setting('client_encoding');",
        "  END IF;",
        "END $$;",
        "",
    ]
    sections = [
        ("news", gen_news(data["news.json"])),
        ("publications (with publication_documents)", gen_publications(data["publications.json"])),
        ("helplines (in display order)", gen_helplines(data["helplines.json"])),
        ("support_rates", gen_support_rates(data["support-rates.json"])),
        ("resources", gen_resources(data["resources.json"])),
    ]
    body = []
    for title, parts in sections:
        body.append(f"-- ==================== {title}: {len(parts)} rows ====================\n")
        body.append("\n".join(parts))
    text = "\n".join(head) + "\n" + "\n".join(body)
    os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
    tmp = OUT_PATH + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    os.replace(tmp, OUT_PATH)
    print(f"wrote {os.path.relpath(OUT_PATH, REPO_ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
